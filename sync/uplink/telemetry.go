package uplink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// Telemetry is the payload on docscan/<id>/telemetry. The daemon's
// Options.Telemetry fills what it owns (uptime, scans, check failures,
// LED on-time, UV duty, typedb version); the uplink sets schema,
// device_id, time, outbox and uplink, and fills cpu_temp_c and disk_* when
// the daemon left them empty.
type Telemetry struct {
	Schema        int       `json:"schema"` // 1
	DeviceID      string    `json:"device_id"`
	Time          time.Time `json:"time"`
	UptimeSeconds float64   `json:"uptime_s"`

	Outbox OutboxTelemetry `json:"outbox"`
	Uplink UplinkTelemetry `json:"uplink"`

	Scans        uint64 `json:"scans"`
	ScanFailures uint64 `json:"scan_failures"`
	// CheckFailures counts failed checks by check name.
	CheckFailures map[string]uint64 `json:"check_failures"`
	// LEDOnSeconds is the cumulative on-time per LED channel.
	LEDOnSeconds map[string]float64 `json:"led_on_s"`
	// UVDuty is the UV LEDs' on-time fraction over the UV safety window, 0..1.
	UVDuty float64 `json:"uv_duty"`
	// CPUTempC is null when no thermal zone is readable.
	CPUTempC       *float64 `json:"cpu_temp_c"`
	TypeDBVersion  string   `json:"typedb_version"`
	DiskFreeBytes  uint64   `json:"disk_free_bytes"`
	DiskTotalBytes uint64   `json:"disk_total_bytes"`
}

// OutboxTelemetry summarises the outbox.
type OutboxTelemetry struct {
	Depth            int               `json:"depth"`
	OldestAgeSeconds float64           `json:"oldest_age_s"`
	Bytes            int64             `json:"bytes"`
	FileBytes        int64             `json:"file_bytes"`
	Drops            map[string]uint64 `json:"drops"`
	CorruptRecovered bool              `json:"corrupt_recovered"`
}

// UplinkTelemetry summarises the connection.
type UplinkTelemetry struct {
	Connections     uint64 `json:"connections"`
	ConnectFailures uint64 `json:"connect_failures"`
	Published       uint64 `json:"published"`
	Acked           uint64 `json:"acked"`
	AckTimeouts     uint64 `json:"ack_timeouts"`
	// Resends, Unacked and OldestUnackedSeconds are Stats' Resends,
	// Unacked and OldestUnacked: telemetry is QoS 0, so it still arrives
	// from a device whose results the broker does not acknowledge.
	Resends              uint64  `json:"resends"`
	Unacked              int     `json:"unacked"`
	OldestUnackedSeconds float64 `json:"oldest_unacked_s"`
}

// Collect builds one telemetry message.
func (u *Uplink) Collect(ctx context.Context) Telemetry {
	var t Telemetry
	if u.opts.Telemetry != nil {
		t = u.opts.Telemetry(ctx)
	}
	t.Schema = 1
	t.DeviceID = u.opts.DeviceID
	t.Time = time.Now().UTC()
	st := u.store.Stats()
	t.Outbox = OutboxTelemetry{
		Depth: st.Depth, OldestAgeSeconds: st.OldestAge.Seconds(), Bytes: st.Bytes,
		FileBytes: st.FileBytes, Drops: st.Drops, CorruptRecovered: st.Recovery != nil,
	}
	us := u.Stats()
	t.Uplink = UplinkTelemetry{
		Connections: us.Connections, ConnectFailures: us.ConnectFailures,
		Published: us.Published, Acked: us.Acked, AckTimeouts: us.AckTimeouts,
		Resends: us.Resends, Unacked: us.Unacked, OldestUnackedSeconds: us.OldestUnacked.Seconds(),
	}
	if t.CPUTempC == nil {
		if c, err := ReadCPUTemp(u.opts.ThermalDir); err == nil {
			t.CPUTempC = &c
		}
	}
	if t.DiskTotalBytes == 0 && u.opts.DataDir != "" {
		if free, total, err := DiskUsage(u.opts.DataDir); err == nil {
			t.DiskFreeBytes, t.DiskTotalBytes = free, total
		}
	}
	return t
}

func (u *Uplink) telemetryLoop(ctx context.Context, c mqtt.Client) error {
	if u.opts.TelemetryEvery < 0 {
		return nil
	}
	tick := time.NewTicker(u.opts.TelemetryEvery)
	defer tick.Stop()
	for {
		b, err := json.Marshal(u.Collect(ctx))
		if err != nil {
			u.log.Error("uplink: telemetry not encodable", "err", err)
		} else if err := waitToken(ctx, c.Publish(u.topics.Telemetry, 0, false, b), u.opts.AckTimeout); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return u.tokenErr("telemetry", err)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return nil
		}
	}
}

// ReadCPUTemp reads the CPU temperature in °C from a sysfs thermal
// directory (normally /sys/class/thermal): the first zone whose type
// names the CPU or SoC, else the first readable zone.
func ReadCPUTemp(thermalDir string) (float64, error) {
	zones, err := filepath.Glob(filepath.Join(thermalDir, "thermal_zone*"))
	if err != nil {
		return 0, err
	}
	if len(zones) == 0 {
		return 0, fmt.Errorf("uplink: no thermal zones in %s", thermalDir)
	}
	sort.Strings(zones)
	rank := func(zone string) int {
		b, _ := os.ReadFile(filepath.Join(zone, "type"))
		typ := strings.ToLower(strings.TrimSpace(string(b)))
		for _, w := range []string{"cpu", "soc", "x86_pkg_temp", "package"} {
			if strings.Contains(typ, w) {
				return 0
			}
		}
		return 1
	}
	sort.SliceStable(zones, func(i, j int) bool { return rank(zones[i]) < rank(zones[j]) })
	var errs []error
	for _, z := range zones {
		b, err := os.ReadFile(filepath.Join(z, "temp"))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		milli, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", z, err))
			continue
		}
		return float64(milli) / 1000, nil
	}
	return 0, fmt.Errorf("uplink: no readable thermal zone: %w", errors.Join(errs...))
}
