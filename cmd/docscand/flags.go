package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/docscan/docscan/api"
	"github.com/docscan/docscan/cmd/internal/board"
	"github.com/docscan/docscan/cmd/internal/config"
	"github.com/docscan/docscan/pipeline/quality"
	"github.com/docscan/docscan/sync/outbox"
)

// settings are docscand's flags. Each can also be set in the YAML file
// named by -config, under the flag's name; the board profile is that
// file's "board:" section.
type settings struct {
	configFile string
	version    bool

	listen         string
	data           string
	tlsCert        string
	tlsKey         string
	apiKeys        config.StringList
	apiKeyFile     string
	workers        int
	maxFileBytes   int64
	maxPixels      int64
	maxDecodeBytes int64
	decodeMemory   int64
	memoryLimit    int64
	requestTimeout time.Duration

	hal     string
	camera  string
	simDoc  string
	settle  time.Duration
	uvMaxOn time.Duration
	uvDuty  float64

	typedbDir   string
	typedbTrust config.StringList

	mqtt              config.StringList
	commandKeys       config.StringList
	deviceID          string
	mqttUser          string
	mqttPassword      string
	mqttCA            string
	mqttCert          string
	mqttKey           string
	telemetryInterval time.Duration
	mqttImages        string
	mqttAckTimeout    time.Duration
	mqttResendRate    float64

	outboxMaxCount  int
	outboxMaxBytes  int64
	outboxWhenFull  string
	outboxRetention time.Duration
	outboxTTL       time.Duration

	logLevel  string
	logFormat string

	quality quality.Thresholds

	// board is the profile from the config file's board: section, or the
	// Raspberry Pi default.
	board board.Profile
}

func newFlagSet(s *settings, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("docscand", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host, _ := os.Hostname()

	fs.StringVar(&s.configFile, "config", "", "YAML `file` setting any of these flags by name, plus a board: section (the board profile)")
	fs.BoolVar(&s.version, "version", false, "print the version and exit")

	fs.StringVar(&s.listen, "listen", "127.0.0.1:8080", "HTTP listen `address`")
	fs.StringVar(&s.data, "data", "/var/lib/docscan", "data `directory`: outbox, API keys, installed typedb bundles")
	fs.StringVar(&s.tlsCert, "tls-cert", "", "serve HTTPS with this certificate `file` (with -tls-key)")
	fs.StringVar(&s.tlsKey, "tls-key", "", "private key `file` for -tls-cert")
	fs.Var(&s.apiKeys, "api-key", "an API `key` (47+ characters) with an unlimited subscription; repeatable (visible in ps: prefer -api-key-file or $DOCSCAN_API_KEYS)")
	fs.StringVar(&s.apiKeyFile, "api-key-file", "", "a `file` of unlimited API keys, one a line (# comments), readable by the service alone")
	fs.IntVar(&s.workers, "workers", 0, "recognitions at once, each with its own Tesseract (default: one per CPU)")
	fs.Int64Var(&s.maxFileBytes, "max-file-bytes", 20<<20, "largest uploaded image in `bytes`")
	fs.Int64Var(&s.maxPixels, "max-pixels", 40_000_000, "largest uploaded image in pixels, checked before decoding")
	fs.Int64Var(&s.maxDecodeBytes, "max-decode-bytes", api.DefaultMaxDecodeBytes, "largest uploaded image decoded, in `bytes`: width × height × channels × bytes per channel, checked before decoding")
	fs.Int64Var(&s.decodeMemory, "decode-memory", api.DefaultDecodeMemory, "`bytes` all recognitions together may hold in decoded images and their working copies; beyond, requests wait or get 503")
	fs.Int64Var(&s.memoryLimit, "memory-limit", 192<<20, "the Go heap's soft limit in `bytes` (GOMEMLIMIT, which wins when set); 0: none")
	fs.DurationVar(&s.requestTimeout, "request-timeout", 60*time.Second, "bound on waiting for and running one recognition or scan")

	fs.StringVar(&s.hal, "hal", "sim", "LED hardware: sim or gpio")
	fs.StringVar(&s.camera, "camera", "sim", "camera: sim, v4l2:/dev/videoN or dir:PATH")
	fs.StringVar(&s.simDoc, "sim-doc", "", "`directory` written by `docscan specimen`: the document on the simulated glass")
	fs.DurationVar(&s.settle, "settle", 50*time.Millisecond, "wait between switching a light and capturing")
	fs.DurationVar(&s.uvMaxOn, "uv-max-on", 2*time.Second, "longest continuous UV on-time")
	fs.Float64Var(&s.uvDuty, "uv-max-duty", 0.25, "largest UV duty cycle over the safety window, 0..1")

	fs.StringVar(&s.typedbDir, "typedb-dir", "", "`directory` of extra or overriding document types (*.json), above the embedded database")
	fs.Var(&s.typedbTrust, "typedb-trusted-key", "base64 ed25519 public `key` whose signed typedb bundles the MQTT typedb command installs; repeatable")

	fs.Var(&s.mqtt, "mqtt", "MQTT broker `URL` (tcp://, ssl://, ws://, wss://); repeatable, tried in order; none: no uplink")
	fs.Var(&s.commandKeys, "command-key", "base64 ed25519 public `key` whose signed MQTT commands run (docscan sign-command); repeatable; none: every command is refused")
	fs.StringVar(&s.deviceID, "device-id", host, "device `id` in the MQTT topics docscan/<id>/...")
	fs.StringVar(&s.mqttUser, "mqtt-user", "", "MQTT user name")
	fs.StringVar(&s.mqttPassword, "mqtt-password", "", "MQTT password")
	fs.StringVar(&s.mqttCA, "mqtt-ca", "", "CA certificate `file` for ssl:// brokers")
	fs.StringVar(&s.mqttCert, "mqtt-cert", "", "client certificate `file` (mutual TLS)")
	fs.StringVar(&s.mqttKey, "mqtt-key", "", "client key `file` (mutual TLS)")
	fs.DurationVar(&s.telemetryInterval, "telemetry-interval", 60*time.Second, "telemetry period; 0 or negative: none")
	fs.DurationVar(&s.mqttAckTimeout, "mqtt-ack-timeout", 10*time.Second, "wait for each broker acknowledgement (PUBACK, SUBACK); a result unacknowledged this long is overdue: the connection is renewed and mqtt health is degraded")
	fs.Float64Var(&s.mqttResendRate, "mqtt-resend-rate", 10, "most re-sends of overdue results per second, in bursts of up to the window (32); negative: no cap")
	fs.StringVar(&s.mqttImages, "mqtt-images", strings.Join(outbox.DefaultImages, ","), "images kept in the outbox and sent with each result (face_photo, front_side_image, back_side_image); empty: none")

	fs.IntVar(&s.outboxMaxCount, "outbox-max-count", 100000, "most results kept in the outbox")
	fs.Int64Var(&s.outboxMaxBytes, "outbox-max-bytes", 0, "most bytes kept in the outbox (default: min(256 MiB, a quarter of the platform's file limit))")
	fs.StringVar(&s.outboxWhenFull, "outbox-when-full", "refuse", "when the outbox is full: refuse (new work gets 503) or drop-oldest")
	fs.DurationVar(&s.outboxRetention, "outbox-retention", 0, "keep delivered results this long (0: delete on acknowledgement)")
	fs.DurationVar(&s.outboxTTL, "outbox-ttl", 0, "expire undelivered results this old (0: never)")

	fs.StringVar(&s.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&s.logFormat, "log-format", "text", "text or json")
	s.quality = quality.Default()
	fs.Var(&s.quality, "quality", "image-quality `thresholds` as name=value,... (docs/recognition.md): strict for a fixed camera, lenient for phone uploads")
	return fs
}

// parseSettings reads the flags and the config file.
func parseSettings(args []string, stderr io.Writer) (*settings, error) {
	s := &settings{board: board.RaspberryPi()}
	fs := newFlagSet(s, stderr)
	if err := config.Parse(fs, args, "config", "board"); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if s.configFile != "" {
		data, err := os.ReadFile(s.configFile)
		if err != nil {
			return nil, err
		}
		if hasSection(data, "board") {
			p, err := board.Parse(data)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.configFile, err)
			}
			s.board = p
		}
	}
	keys, err := keysFrom(s.apiKeyFile, os.Getenv("DOCSCAN_API_KEYS"))
	if err != nil {
		return nil, err
	}
	s.apiKeys = append(s.apiKeys, keys...)
	return s, s.validate()
}

// keysFrom reads unlimited API keys from a file (one a line, blank lines
// and # comments skipped) and from the environment (separated by spaces,
// commas or new lines), so that they need not stand on the command line,
// where every user's ps sees them.
func keysFrom(file, env string) ([]string, error) {
	var keys []string
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("-api-key-file: %w", err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				keys = append(keys, line)
			}
		}
		if len(keys) == 0 {
			return nil, fmt.Errorf("-api-key-file %s holds no key", file)
		}
	}
	keys = append(keys, strings.FieldsFunc(env, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })...)
	return keys, nil
}

// hasSection reports whether a top-level line of the YAML file starts the
// given section.
func hasSection(data []byte, name string) bool {
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, name+":") {
			return true
		}
	}
	return false
}

func (s *settings) validate() error {
	var errs []error
	if s.hal != "sim" && s.hal != "gpio" {
		errs = append(errs, fmt.Errorf("-hal %q: want sim or gpio", s.hal))
	}
	if (s.tlsCert == "") != (s.tlsKey == "") {
		errs = append(errs, errors.New("-tls-cert and -tls-key go together"))
	}
	if s.camera == "sim" && s.hal != "sim" {
		errs = append(errs, errors.New("-camera sim needs -hal sim: the simulated camera sees the simulated LEDs"))
	}
	if _, err := outbox.ParsePolicy(s.outboxWhenFull); err != nil {
		errs = append(errs, err)
	}
	if _, err := parseLevel(s.logLevel); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("-log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// images returns the -mqtt-images list.
func (s *settings) images() []string {
	out := []string{}
	for _, n := range strings.Split(s.mqttImages, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}
