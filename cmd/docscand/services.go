package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"

	"github.com/docscan/docscan/api"
	"github.com/docscan/docscan/cmd/internal/version"
	"github.com/docscan/docscan/pipeline/scan"
	"github.com/docscan/docscan/sync/uplink"
)

func (d *daemon) newServer() (*api.Server, error) {
	s := d.s
	return api.New(api.Options{
		Addr: s.listen, TLSCertFile: s.tlsCert, TLSKeyFile: s.tlsKey,
		Recognizer: recognizer{engine: d.engine.Load, stats: d.stats},
		Store:      resultStore{d.ob},
		Outbox:     resultStore{d.ob},
		StorageFree: func() (uint64, error) {
			free, _, err := uplink.DiskUsage(s.data)
			return free, err
		},
		Scanner:      d.scan,
		Entitlements: d.keys,
		APIKeys:      s.apiKeys,
		Health:       api.HealthFunc(d.health),
		LastScan:     d.scan,
		Device: api.DeviceMetrics{
			OutboxDepth: func() int { return d.ob.Stats().Depth },
			OutboxDropped: func() uint64 {
				var n uint64
				for _, v := range d.ob.Stats().Drops {
					n += v
				}
				return n
			},
			LEDOnSeconds: d.ledOnSeconds,
			UVDutyCycle:  func() float64 { return d.hw.Guard.Stats().UVDuty },
			CommandsRefused: func() map[string]float64 {
				out := map[string]float64{}
				if d.up != nil {
					for k, v := range d.up.Stats().Refused {
						out[k] = float64(v)
					}
				}
				return out
			},
			MQTTResends: func() uint64 {
				if d.up == nil {
					return 0
				}
				return d.up.Stats().Resends
			},
			MQTTUnacked: func() (int, time.Duration) {
				if d.up == nil {
					return 0, 0
				}
				st := d.up.Stats()
				return st.Unacked, st.OldestUnacked
			},
		},
		Build:          api.BuildInfo{Version: version.Version, Commit: version.Commit, Date: version.Date},
		Logger:         d.log,
		Workers:        d.pool.Workers(),
		MaxFileBytes:   s.maxFileBytes,
		MaxPixels:      s.maxPixels,
		MaxDecodeBytes: s.maxDecodeBytes,
		DecodeMemory:   s.decodeMemory,
		RequestTimeout: s.requestTimeout,
	})
}

func (d *daemon) ledOnSeconds() map[string]float64 {
	st := d.hw.Guard.Stats()
	out := make(map[string]float64, len(st.Channels))
	for _, c := range st.Channels {
		out[c.Name] = c.OnTime.Seconds()
	}
	return out
}

// health reports each part's state without touching the hardware.
func (d *daemon) health(context.Context) api.DeviceHealth {
	h := api.DeviceHealth{}
	db := d.db.Load()
	h.TypeDB = api.TypeDBInfo{Version: db.Version(), Checksum: db.Checksum(), Types: len(db.Types()), State: api.StateOK}
	if p := d.typedbProblem.Load(); p != nil && *p != "" {
		h.TypeDB.State, h.TypeDB.Detail = api.StateDegraded, *p
	}

	h.Camera = api.Component{State: api.StateOK, Detail: d.s.camera}
	h.GPIO = api.Component{State: api.StateOK, Detail: d.s.hal}
	if st := d.hw.Guard.Stats(); st.UVCutoffs > 0 {
		h.GPIO = api.Component{State: api.StateDegraded, Detail: fmt.Sprintf("UV switched off %d times by its on-time limit", st.UVCutoffs)}
	}

	st := d.ob.Stats()
	h.OutboxDepth = st.Depth
	h.Outbox = api.Component{State: api.StateOK}
	switch {
	case st.Recovery != nil:
		h.Outbox = api.Component{State: api.StateDegraded, Detail: "corrupt outbox moved aside at start: " + st.Recovery.MovedTo}
	case st.LastCommitErr != "":
		h.Outbox = api.Component{State: api.StateDown, Detail: st.LastCommitErr}
	case st.MaxCount > 0 && st.Depth >= st.MaxCount:
		h.Outbox = api.Component{State: api.StateDegraded, Detail: "full"}
	}

	// Degraded while offline, and while connected but a result has gone
	// unacknowledged past -mqtt-ack-timeout (a broker that takes results
	// and never sends PUBACK).
	h.MQTT = api.Component{State: api.StateDisabled}
	if d.up != nil {
		h.MQTT = api.Component{State: api.StateOK}
		if up := d.up.Health(); !up.OK {
			h.MQTT = api.Component{State: api.StateDegraded, Detail: up.Reason}
		}
	}
	return h
}

// healthy is what the systemd watchdog pings for: the loops that must run
// are running.
func (d *daemon) healthy() bool {
	if !d.serving.Load() {
		return false
	}
	if d.up != nil && !d.uplinkUp.Load() {
		return false
	}
	return d.ob.Stats().LastCommitErr == ""
}

// watchdog pings systemd at half its interval, only while healthy, so a
// hung daemon is restarted.
func (d *daemon) watchdog(ctx context.Context) {
	every, err := sd.SdWatchdogEnabled(false)
	if err != nil || every <= 0 {
		return
	}
	t := time.NewTicker(every / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if d.healthy() {
				_, _ = sd.SdNotify(false, sd.SdNotifyWatchdog)
			} else {
				d.log.Warn("unhealthy: not pinging the systemd watchdog")
			}
		}
	}
}

// watchPresence scans the front of a document as it is placed, and stores
// the result like any other.
func (d *daemon) watchPresence(ctx context.Context) {
	for {
		if err := d.hw.Presence.WaitPlaced(ctx); err != nil {
			if ctx.Err() == nil {
				d.log.Error("presence input", "err", err)
			}
			return
		}
		id, err := d.srv.ScanAndStore(ctx, scan.Front, "")
		if err != nil {
			d.log.Warn("scan on placement failed", "err", err)
			continue
		}
		d.log.Info("scanned on placement", "result_id", id)
	}
}

func (d *daemon) newUplink() (*uplink.Uplink, error) {
	s := d.s
	opts := uplink.Options{
		Brokers: s.mqtt, DeviceID: s.deviceID, Username: s.mqttUser, Password: s.mqttPassword,
		TelemetryEvery: s.telemetryInterval, Telemetry: d.telemetry, DataDir: s.data, Logger: d.log,
		AckTimeout: s.mqttAckTimeout, ResendRate: s.mqttResendRate,
		Handlers: map[string]uplink.Handler{
			"scan":        d.cmdScan,
			"lights-test": d.cmdLightsTest,
			"keys":        d.keys.ApplyJSON,
			"typedb":      d.cmdTypeDB,
			"config":      d.cmdConfig,
		},
	}
	if s.telemetryInterval <= 0 {
		opts.TelemetryEvery = -1
	}
	keys, err := uplink.ParseCommandKeys(s.commandKeys)
	if err != nil {
		return nil, fmt.Errorf("-command-key %w", err)
	}
	if len(keys) == 0 {
		d.log.Warn("no -command-key: every MQTT command will be refused")
	}
	opts.CommandKeys = keys
	if s.mqttCA != "" || s.mqttCert != "" || s.mqttKey != "" {
		tlsCfg, err := uplink.LoadTLS(s.mqttCA, s.mqttCert, s.mqttKey)
		if err != nil {
			return nil, fmt.Errorf("mqtt tls: %w", err)
		}
		opts.TLS = tlsCfg
	}
	up, err := uplink.New(d.ob, opts)
	if err != nil {
		return nil, fmt.Errorf("uplink: %w", err)
	}
	return up, nil
}

// telemetry fills the parts of the telemetry the daemon owns.
func (d *daemon) telemetry(context.Context) uplink.Telemetry {
	st := d.hw.Guard.Stats()
	return uplink.Telemetry{
		UptimeSeconds: time.Since(d.start).Seconds(),
		Scans:         d.stats.scans.Load() + d.stats.recognitions.Load(),
		ScanFailures:  d.stats.scanFailures.Load() + d.stats.recognitionFailures.Load(),
		CheckFailures: d.stats.checkFailureCounts(),
		LEDOnSeconds:  d.ledOnSeconds(),
		UVDuty:        st.UVDuty,
		TypeDBVersion: d.db.Load().Version(),
	}
}

// cmdScan is the MQTT scan command: {"side": "front"|"back", "country_code": "kz"}.
// The result travels on the results topic like any other; the reply names it.
func (d *daemon) cmdScan(ctx context.Context, args []byte) (any, error) {
	var a struct {
		Side        string `json:"side"`
		CountryCode string `json:"country_code"`
	}
	if len(args) > 0 {
		if err := json.Unmarshal(args, &a); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
	}
	side := scan.Front
	switch a.Side {
	case "", "front":
	case "back":
		side = scan.Back
	default:
		return nil, fmt.Errorf("scan: side %q: want front or back", a.Side)
	}
	id, err := d.srv.ScanAndStore(ctx, side, a.CountryCode)
	if err != nil {
		return nil, err
	}
	return map[string]string{"result_id": id}, nil
}

// cmdLightsTest lights each channel in turn, waiting for the lights like
// a scan, and reports which switched.
func (d *daemon) cmdLightsTest(ctx context.Context, _ []byte) (any, error) {
	return d.scan.TestLights(ctx)
}

// cmdTypeDB installs a signed typedb bundle, or rolls back to the previous
// one: {"bundle": base64, "signature": base64} or {"rollback": true}.
func (d *daemon) cmdTypeDB(ctx context.Context, args []byte) (any, error) {
	var a struct {
		Bundle    []byte `json:"bundle"`
		Signature []byte `json:"signature"`
		Rollback  bool   `json:"rollback"`
	}
	if err := json.Unmarshal(args, &a); err != nil {
		return nil, fmt.Errorf("typedb: %w", err)
	}
	var inst any
	var err error
	if a.Rollback {
		inst, err = d.typedbs.Rollback()
	} else {
		inst, err = d.typedbs.Install(a.Bundle, a.Signature)
	}
	if err != nil {
		return nil, fmt.Errorf("typedb: %w", err)
	}
	if err := d.reloadTypeDB(); err != nil {
		return nil, err
	}
	if err := d.rebuildEngine(); err != nil {
		return nil, err
	}
	db := d.db.Load()
	return map[string]any{"installed": inst, "version": db.Version(), "checksum": db.Checksum()}, nil
}

// cmdConfig changes the whitelisted settings at run time (not persisted):
// {"log-level": "debug"}. It replies with their current values.
func (d *daemon) cmdConfig(ctx context.Context, args []byte) (any, error) {
	var a map[string]string
	if len(args) > 0 {
		if err := json.Unmarshal(args, &a); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
	}
	for k, v := range a {
		switch k {
		case "log-level":
			l, err := parseLevel(v)
			if err != nil {
				return nil, err
			}
			d.level.Set(l)
		default:
			return nil, fmt.Errorf("config: %q cannot be changed remotely (allowed: log-level)", k)
		}
	}
	return map[string]string{"log-level": d.level.Level().String()}, nil
}
