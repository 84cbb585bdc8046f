package uplink

import (
	"bytes"
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// Handler answers one remote command. args is the request's "args" JSON
// (nil when absent). The reply is marshalled into the reply's "result";
// an error becomes its "error". ctx ends at Options.CommandTimeout or at
// shutdown.
type Handler func(ctx context.Context, args []byte) (reply any, err error)

// Command is a parsed request from docscan/<id>/cmd/<name>.
type Command struct {
	Name          string
	CorrelationID string
	Args          json.RawMessage
	// The authentication (auth.go): what the signature covers besides
	// the above, the signer's public key and the signature, base64.
	DeviceID, Timestamp, Nonce, Key, Signature string
}

// Reply is the payload on docscan/<id>/reply.
type Reply struct {
	CorrelationID string    `json:"correlation_id"`
	Command       string    `json:"command"`
	OK            bool      `json:"ok"`
	Result        any       `json:"result,omitempty"`
	Error         string    `json:"error,omitempty"`
	Time          time.Time `json:"time"`
}

// ErrBadCommand wraps every reason a command is rejected before dispatch.
var ErrBadCommand = errors.New("uplink: bad command")

var commandNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

const maxCorrelationID = 128

// ParseCommand checks a command message: the topic must be
// docscan/<id>/cmd/<name> for this device, the payload a JSON object
// {"correlation_id": "...", "args": ..., "device_id", "timestamp",
// "nonce", "key", "signature"} of at most maxBytes. It does not
// authenticate: the Uplink does. On error the
// returned Command still carries what was read (name, correlation id), so
// the error reply can be correlated.
func ParseCommand(t Topics, topic string, payload []byte, maxBytes int) (Command, error) {
	var c Command
	name, ok := strings.CutPrefix(topic, t.cmdPrefix)
	if !ok || !commandNamePattern.MatchString(name) {
		return c, fmt.Errorf("%w: topic %q", ErrBadCommand, topic)
	}
	c.Name = name
	if len(payload) > maxBytes {
		return c, fmt.Errorf("%w: payload of %d bytes, limit %d", ErrBadCommand, len(payload), maxBytes)
	}
	var req struct {
		CorrelationID *string         `json:"correlation_id"`
		Args          json.RawMessage `json:"args"`
		DeviceID      string          `json:"device_id"`
		Timestamp     string          `json:"timestamp"`
		Nonce         string          `json:"nonce"`
		Key           string          `json:"key"`
		Signature     string          `json:"signature"`
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		// Salvage the correlation id for the error reply if the object is
		// otherwise readable.
		var loose struct {
			CorrelationID string `json:"correlation_id"`
		}
		if json.Unmarshal(payload, &loose) == nil && validCorrelationID(loose.CorrelationID) {
			c.CorrelationID = loose.CorrelationID
		}
		return c, fmt.Errorf("%w: payload: %w", ErrBadCommand, err)
	}
	if dec.More() {
		return c, fmt.Errorf("%w: trailing data after the request object", ErrBadCommand)
	}
	if req.CorrelationID == nil {
		return c, fmt.Errorf("%w: correlation_id missing", ErrBadCommand)
	}
	if !validCorrelationID(*req.CorrelationID) {
		return c, fmt.Errorf("%w: correlation_id must be 1-%d printable characters", ErrBadCommand, maxCorrelationID)
	}
	c.CorrelationID = *req.CorrelationID
	c.DeviceID, c.Timestamp, c.Nonce, c.Key, c.Signature = req.DeviceID, req.Timestamp, req.Nonce, req.Key, req.Signature
	if len(req.Args) > 0 && string(req.Args) != "null" {
		c.Args = req.Args
	}
	return c, nil
}

func validCorrelationID(s string) bool {
	if s == "" || len(s) > maxCorrelationID {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || r == unicode.ReplacementChar {
			return false
		}
	}
	return true
}

// onCommand runs on paho's goroutine (OrderMatters is off, so one per
// message); it only queues, so acknowledgements are never held up.
func (u *Uplink) onCommand(c mqtt.Client, m mqtt.Message) {
	select {
	case u.incoming <- m:
	default:
		cmd, _ := ParseCommand(u.topics, m.Topic(), m.Payload(), u.opts.MaxCommandBytes)
		u.commandErrors.Add(1)
		u.sendReply(Reply{CorrelationID: cmd.CorrelationID, Command: cmd.Name, Error: "busy: too many commands queued"})
	}
}

// commandWorker runs commands one at a time, in arrival order: a scan and
// a lights test must not share the lights.
func (u *Uplink) commandWorker(ctx context.Context) {
	for {
		select {
		case m := <-u.incoming:
			u.handle(ctx, m.Topic(), m.Payload())
		case <-ctx.Done():
			return
		}
	}
}

func (u *Uplink) handle(ctx context.Context, topic string, payload []byte) {
	u.commands.Add(1)
	cmd, err := ParseCommand(u.topics, topic, payload, u.opts.MaxCommandBytes)
	if err != nil {
		u.commandErrors.Add(1)
		u.log.Warn("uplink: command rejected", "command", cmd.Name, "err", err)
		u.sendReply(Reply{CorrelationID: cmd.CorrelationID, Command: cmd.Name, Error: err.Error()})
		return
	}
	if err := u.auth.check(cmd, time.Now()); err != nil {
		u.refuseCommand(cmd, err)
		return
	}
	// QoS 1 may deliver a command twice: answer a repeat from the cache
	// instead of running it again.
	if cached, ok := u.replies.get(cmd.Name + "\x00" + cmd.CorrelationID); ok {
		u.publishReply(cached)
		return
	}
	if err := u.auth.remember(cmd, time.Now()); err != nil {
		u.refuseCommand(cmd, err)
		return
	}
	r := Reply{CorrelationID: cmd.CorrelationID, Command: cmd.Name}
	result, err := u.dispatch(ctx, cmd)
	if err != nil {
		u.commandErrors.Add(1)
		r.Error = err.Error()
	} else {
		r.OK, r.Result = true, result
	}
	if b := u.encodeReply(r); b != nil {
		u.replies.put(cmd.Name+"\x00"+cmd.CorrelationID, b)
		u.publishReply(b)
	}
}

// refuseCommand answers a command that failed authentication; its
// arguments are not logged (a keys command carries keys).
func (u *Uplink) refuseCommand(cmd Command, err error) {
	u.commandErrors.Add(1)
	u.log.Warn("uplink: command refused", "command", cmd.Name, "err", err)
	u.sendReply(Reply{CorrelationID: cmd.CorrelationID, Command: cmd.Name, Error: err.Error()})
}

// ErrUnknownCommand answers a command with no handler.
var ErrUnknownCommand = errors.New("unknown command")

func (u *Uplink) dispatch(ctx context.Context, cmd Command) (result any, err error) {
	if cmd.Name == "ping" {
		return map[string]any{"pong": true, "device_id": u.opts.DeviceID, "uptime_s": time.Since(u.started).Seconds()}, nil
	}
	h, ok := u.opts.Handlers[cmd.Name]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownCommand, cmd.Name)
	}
	ctx, cancel := context.WithTimeout(ctx, u.opts.CommandTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			u.log.Error("uplink: command handler panicked", "command", cmd.Name, "panic", fmt.Sprint(p))
			result, err = nil, fmt.Errorf("command %q failed internally", cmd.Name)
		}
	}()
	return h(ctx, cmd.Args)
}

func (u *Uplink) encodeReply(r Reply) []byte {
	r.Time = time.Now().UTC()
	b, err := json.Marshal(r)
	if err != nil {
		b, _ = json.Marshal(Reply{CorrelationID: r.CorrelationID, Command: r.Command, Time: r.Time,
			Error: "reply could not be encoded: " + err.Error()})
	}
	return b
}

func (u *Uplink) sendReply(r Reply) {
	u.publishReply(u.encodeReply(r))
}

// publishReply sends on the current connection; with none, the reply is
// lost and the operator retries (commands are not queued offline).
func (u *Uplink) publishReply(b []byte) {
	u.mu.Lock()
	c := u.client
	u.mu.Unlock()
	if c == nil {
		u.log.Warn("uplink: reply dropped, not connected")
		return
	}
	if err := waitToken(context.Background(), c.Publish(u.topics.Reply, 1, false, b), u.opts.AckTimeout); err != nil {
		u.log.Warn("uplink: reply not acknowledged", "err", err)
	}
}

// replyCache keeps the last replies by command and correlation id.
type replyCache struct {
	mu    sync.Mutex
	max   int
	order *list.List
	items map[string]*list.Element
}

type cached struct {
	key   string
	reply []byte
}

func newReplyCache(max int) *replyCache {
	return &replyCache{max: max, order: list.New(), items: map[string]*list.Element{}}
}

func (c *replyCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		return e.Value.(cached).reply, true
	}
	return nil, false
}

func (c *replyCache) put(key string, reply []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; ok {
		return
	}
	c.items[key] = c.order.PushBack(cached{key, reply})
	if c.order.Len() > c.max {
		old := c.order.Remove(c.order.Front()).(cached)
		delete(c.items, old.key)
	}
}
