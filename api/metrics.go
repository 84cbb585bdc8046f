package api

import (
	"runtime"
	"sort"
	"time"

	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/quality"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus metrics, in a registry of its own.
// Every name starts with docscan_, the Go runtime's and the process's
// included.
type metrics struct {
	reg *prometheus.Registry

	requestDuration *prometheus.HistogramVec
	recognitions    *prometheus.CounterVec
	scans           *prometheus.CounterVec
	stageDuration   *prometheus.HistogramVec
	checksFailed    *prometheus.CounterVec
	qualityFailures *prometheus.CounterVec
}

// Outcomes counted by docscan_recognitions_total and docscan_scans_total.
const (
	outcomeOK           = "ok"
	outcomeRejected     = "rejected"     // 4xx for the input
	outcomeUnauthorized = "unauthorized" // 401 and the subscription 400s
	outcomeBusy         = "busy"         // 503
	outcomeError        = "error"        // 5xx other than 503
)

func newMetrics(build BuildInfo, dev DeviceMetrics, queue func() (inFlight, waiting int), scanWaiting func() int, uploadBytes func() int64) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	// The Go and process collectors keep their standard names (go_*,
	// process_*): stock dashboards and alerts look for those.
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)

	m.requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "docscan_http_request_duration_seconds",
		Help:    "HTTP request latency by route, method and status code.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 5, 10, 30},
	}, []string{"route", "method", "code"})
	m.recognitions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "docscan_recognitions_total",
		Help: "POST /api/v1/recognize requests by outcome (ok, rejected, unauthorized, busy, error).",
	}, []string{"outcome"})
	m.scans = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "docscan_scans_total",
		Help: "POST /api/v1/scan requests by side and outcome.",
	}, []string{"side", "outcome"})
	m.stageDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "docscan_stage_duration_seconds",
		Help:    "Time spent per stage: upload, queue_wait, decode, recognize, scan, store, and the pipeline's own stages.",
		Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2, 5, 10},
	}, []string{"stage"})
	m.checksFailed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "docscan_checks_failed_total",
		Help: "Fraud and consistency checks that failed, by check name.",
	}, []string{"check"})
	m.qualityFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "docscan_quality_failures_total",
		Help: "Sides whose image-quality measure failed, by measure: a dirty glass or a failing LED shows across a fleet.",
	}, []string{"measure"})
	for _, n := range quality.Names {
		m.qualityFailures.WithLabelValues(n) // every measure shows, at 0 until it fails
	}

	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "docscan_build_info",
		Help:        "The running build; always 1.",
		ConstLabels: prometheus.Labels{"version": build.Version, "commit": build.Commit, "date": build.Date, "goversion": runtime.Version()},
	})
	buildInfo.Set(1)

	m.reg.MustRegister(m.requestDuration, m.recognitions, m.scans, m.stageDuration, m.checksFailed, m.qualityFailures, buildInfo,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "docscan_recognize_in_flight",
			Help: "Recognitions running now.",
		}, func() float64 { n, _ := queue(); return float64(n) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "docscan_recognize_queue_waiting",
			Help: "Recognize requests admitted and waiting (uploading, or for a worker).",
		}, func() float64 { _, n := queue(); return float64(n) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "docscan_upload_buffered_bytes",
			Help: "Bytes of uploads held in memory now (bounded by MaxUploadMemory).",
		}, func() float64 { return float64(uploadBytes()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "docscan_scan_queue_waiting",
			Help: "Scan requests waiting for their turn at the lights.",
		}, func() float64 { return float64(scanWaiting()) }),
	)
	if dev.OutboxDepth != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "docscan_outbox_depth",
			Help: "Results in the outbox waiting for upload.",
		}, func() float64 { return float64(dev.OutboxDepth()) }))
	}
	if dev.OutboxDropped != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "docscan_outbox_dropped_total",
			Help: "Results the outbox dropped.",
		}, func() float64 { return float64(dev.OutboxDropped()) }))
	}
	if dev.UVDutyCycle != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "docscan_uv_duty_ratio",
			Help: "UV LED duty cycle over the safety window (0..1).",
		}, dev.UVDutyCycle))
	}
	if dev.LEDOnSeconds != nil {
		m.reg.MustRegister(&labeledCounters{desc: ledDesc, read: dev.LEDOnSeconds})
	}
	if dev.CommandsRefused != nil {
		m.reg.MustRegister(&labeledCounters{desc: refusedDesc, read: dev.CommandsRefused})
	}
	if dev.MQTTResends != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "docscan_mqtt_resends_total",
			Help: "Results sent again because their acknowledgement was overdue.",
		}, func() float64 { return float64(dev.MQTTResends()) }))
	}
	if dev.MQTTUnacked != nil {
		m.reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "docscan_mqtt_unacked_results",
				Help: "Results sent to the broker and not yet acknowledged.",
			}, func() float64 { n, _ := dev.MQTTUnacked(); return float64(n) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "docscan_mqtt_oldest_unacked_seconds",
				Help: "Time since the oldest unacknowledged result was first sent (0: none).",
			}, func() float64 { _, d := dev.MQTTUnacked(); return d.Seconds() }),
		)
	}
	return m
}

// labeledCounters exports counters whose label values are known only
// when read (LED channels, refusal reasons).
type labeledCounters struct {
	desc *prometheus.Desc
	read func() map[string]float64
}

var (
	ledDesc = prometheus.NewDesc("docscan_led_on_seconds_total",
		"Total time each LED channel has been on.", []string{"channel"}, nil)
	refusedDesc = prometheus.NewDesc("docscan_mqtt_commands_refused_total",
		"MQTT commands refused by authentication, by reason.", []string{"reason"}, nil)
)

func (c *labeledCounters) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *labeledCounters) Collect(ch chan<- prometheus.Metric) {
	on := c.read()
	names := make([]string, 0, len(on))
	for n := range on {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, on[n], n)
	}
}

func (m *metrics) stage(name string, d time.Duration) {
	m.stageDuration.WithLabelValues(name).Observe(d.Seconds())
}

// countChecks counts a result's failed checks and quality measures.
func (m *metrics) countChecks(res *pipeline.Result) {
	for _, c := range res.Checks {
		if c.Status == pipeline.CheckFailed {
			m.checksFailed.WithLabelValues(c.Name).Inc()
		}
	}
	m.countQuality(&res.Quality)
}

// countQuality counts the sides' failed quality measures, of a result or
// of a rejection.
func (m *metrics) countQuality(q *pipeline.Qualities) {
	if q == nil {
		return
	}
	for _, r := range []*quality.Report{q.Frontside, q.Backside} {
		if r == nil {
			continue
		}
		for _, n := range r.Failed {
			m.qualityFailures.WithLabelValues(n).Inc()
		}
	}
}

// outcome names a status for the counters.
func outcome(status int) string {
	switch {
	case status < 300:
		return outcomeOK
	case status == 401:
		return outcomeUnauthorized
	case status == 503:
		return outcomeBusy
	case status >= 500:
		return outcomeError
	default:
		return outcomeRejected
	}
}
