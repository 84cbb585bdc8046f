package api

import (
	"context"
	"net/http"
	"runtime"
	"time"

	"github.com/docscan/docscan/api/entitle"
)

// healthTimeout bounds the Health call so a stuck device can not stall
// the probes.
const healthTimeout = 2 * time.Second

// healthBody is the answer of /healthz and /readyz.
type healthBody struct {
	// Status is "ok" (/healthz: the process serves), or "ready" /
	// "not_ready" (/readyz).
	Status        string     `json:"status"`
	Build         BuildInfo  `json:"build"`
	GoVersion     string     `json:"go_version"`
	UptimeSeconds float64    `json:"uptime_seconds"`
	TypeDB        TypeDBInfo `json:"typedb"`
	Camera        Component  `json:"camera"`
	GPIO          Component  `json:"gpio"`
	MQTT          Component  `json:"mqtt"`
	Outbox        Component  `json:"outbox"`
	OutboxDepth   int        `json:"outbox_depth"`
	Recognize     queueState `json:"recognize_queue"`
	// APIKeys is down when no key is configured: every API request is
	// then refused, so the device is not ready.
	APIKeys Component `json:"api_keys"`
}

// msgNoAPIKey is what /readyz and the start-up log say when no key exists.
const msgNoAPIKey = "no API key configured: every API request is refused; add one with `docscan keys add` or -api-key"

// keyLister is the part of an entitlement store (*entitle.Store) that
// tells whether it holds any key.
type keyLister interface {
	List(ctx context.Context) ([]entitle.Key, error)
}

// hasKeys reports whether any API key can be accepted: false only when
// there is no -api-key and the store is known to hold none.
func (s *Server) hasKeys(ctx context.Context) bool {
	if s.static.Len() > 0 {
		return true
	}
	if s.opts.Entitlements == nil {
		return false
	}
	l, ok := s.opts.Entitlements.(keyLister)
	if !ok {
		return true
	}
	keys, err := l.List(ctx)
	return err != nil || len(keys) > 0
}

type queueState struct {
	Workers  int `json:"workers"`
	InFlight int `json:"in_flight"`
	Waiting  int `json:"waiting"`
	Capacity int `json:"capacity"`
}

func (s *Server) deviceHealth(ctx context.Context) DeviceHealth {
	if s.opts.Health == nil {
		off := Component{State: StateDisabled}
		return DeviceHealth{Camera: off, GPIO: off, MQTT: off, Outbox: off}
	}
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	h := s.opts.Health.Health(ctx)
	for _, c := range []*Component{&h.Camera, &h.GPIO, &h.MQTT, &h.Outbox} {
		if c.State == "" {
			c.State = StateDisabled
		}
	}
	return h
}

// ready: the device can take and keep results. MQTT does not count: the
// device works offline and the outbox keeps the results.
func ready(h DeviceHealth) bool {
	for _, c := range []Component{h.Camera, h.GPIO, h.Outbox} {
		if c.State == StateDown {
			return false
		}
	}
	return true
}

func (s *Server) health(ctx context.Context, status string) healthBody {
	h := s.deviceHealth(ctx)
	keys := Component{State: StateOK}
	if !s.hasKeys(ctx) {
		keys = Component{State: StateDown, Detail: msgNoAPIKey}
	}
	if status == "" {
		status = "not_ready"
		if ready(h) && keys.State == StateOK {
			status = "ready"
		}
	}
	inFlight := len(s.work)
	return healthBody{
		Status:        status,
		Build:         s.opts.Build,
		GoVersion:     runtime.Version(),
		UptimeSeconds: time.Since(s.started).Seconds(),
		TypeDB:        h.TypeDB,
		Camera:        h.Camera,
		GPIO:          h.GPIO,
		MQTT:          h.MQTT,
		Outbox:        h.Outbox,
		OutboxDepth:   h.OutboxDepth,
		Recognize: queueState{
			Workers:  s.opts.Workers,
			InFlight: inFlight,
			Waiting:  len(s.admit) - inFlight,
			Capacity: cap(s.admit),
		},
		APIKeys: keys,
	}
}

// handleHealthz serves GET /healthz: 200 while the process serves, with
// the device's state for people.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.health(r.Context(), "ok"))
}

// handleReadyz serves GET /readyz: 200 when ready, 503 when the camera,
// the GPIO or the outbox is down or no API key is configured.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	b := s.health(r.Context(), "")
	status := http.StatusOK
	if b.Status != "ready" {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, b)
}
