package faulttest

import (
	"bytes"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Mangling is how a Mangler replaces a reply: it returns the status,
// content type and body sent instead of the upstream ones.
type Mangling struct {
	// Name describes the mangling in test output ("empty 200").
	Name string
	// Reply builds the replacement from the upstream reply.
	Reply func(upstream Reply) Reply
	// Hangup closes the connection without a reply instead (Reply unused).
	Hangup bool
}

// Reply is an HTTP reply: status, Content-Type and body.
type Reply struct {
	Status      int
	ContentType string
	Body        []byte
}

// isJSON reports whether the reply speaks a JSON protocol.
func (r Reply) isJSON() bool { return strings.Contains(r.ContentType, "json") }

// The manglings a broken network, a proxy or a hostile endpoint may send
// in place of an AWS reply. Each answers HTTP 200, whatever AWS said.
var (
	// EmptyOK is a 200 with no body, in the protocol's content type.
	EmptyOK = Mangling{Name: "empty 200", Reply: func(u Reply) Reply { return Reply{http.StatusOK, u.ContentType, nil} }}
	// HTMLOK is a corporate proxy's login page.
	HTMLOK = Mangling{Name: "HTML 200", Reply: func(Reply) Reply {
		return Reply{http.StatusOK, "text/html; charset=utf-8",
			[]byte(`<!DOCTYPE html><html><head><title>Sign in</title></head><body><form method="post" action="/login"><input name="user"><input name="password" type="password"></form></body></html>`)}
	}}
	// EmptyDocument is a well-formed document with nothing in it: {} for
	// the JSON protocols, <X/> for the XML ones.
	EmptyDocument = Mangling{Name: "empty document", Reply: func(u Reply) Reply {
		if u.isJSON() {
			return Reply{http.StatusOK, u.ContentType, []byte(`{}`)}
		}
		return Reply{http.StatusOK, u.ContentType, []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<X/>")}
	}}
	// Truncated is the first half of the upstream body, as if the
	// connection had been cut and the length header rewritten.
	Truncated = Mangling{Name: "truncated", Reply: func(u Reply) Reply {
		return Reply{http.StatusOK, u.ContentType, u.Body[:len(u.Body)/2]}
	}}
	// Garbage is bytes in no format, in the protocol's content type.
	Garbage = Mangling{Name: "garbage", Reply: func(u Reply) Reply {
		return Reply{http.StatusOK, u.ContentType, []byte("\x00\x9f\x92\x96 not a reply ~~~ \xff\xfe")}
	}}
	// Hangup is a connection closed by the other end without a reply.
	Hangup = Mangling{Name: "dropped connection", Hangup: true}
)

// Mangler is a reverse proxy in front of an AWS-compatible endpoint that
// passes every request through and replaces the reply of one action (IAM
// name, e.g. "s3:GetBucketAcl") with what a Mangling makes of it.
type Mangler struct {
	action   string
	mangling Mangling
	proxy    *httputil.ReverseProxy
	mangled  atomic.Int64
	changed  atomic.Int64

	mu      sync.Mutex
	regions map[string]bool
}

// NewMangler returns a Mangler of action's replies in front of upstream.
func NewMangler(upstream *url.URL, action string, m Mangling) *Mangler {
	return &Mangler{action: action, mangling: m, proxy: newProxy(upstream), regions: map[string]bool{}}
}

// proxyTransport carries every proxy's requests to the emulator: one pool
// that keeps enough connections for many runs side by side.
var proxyTransport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 256, 256
	return t
}()

// newProxy returns a reverse proxy to upstream over proxyTransport.
func newProxy(upstream *url.URL) *httputil.ReverseProxy {
	p := httputil.NewSingleHostReverseProxy(upstream)
	p.Transport = proxyTransport
	return p
}

// Regions returns the credential-scope regions of the requests seen so far.
func (m *Mangler) Regions() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Sorted(maps.Keys(m.regions))
}

// Mangled returns how many replies were replaced so far.
func (m *Mangler) Mangled() int { return int(m.mangled.Load()) }

// Changed returns how many of the replaced replies differ from the
// upstream ones (a mangling may leave a reply as it was).
func (m *Mangler) Changed() int { return int(m.changed.Load()) }

// ServeHTTP forwards the request and, for the mangled action, answers the
// mangling of the reply instead.
func (m *Mangler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read request: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	region, service := scope(r.Header.Get("Authorization"))
	m.mu.Lock()
	m.regions[region] = true
	m.mu.Unlock()
	if service+":"+operation(r, body) != m.action {
		m.proxy.ServeHTTP(w, r)
		return
	}
	if m.mangling.Hangup {
		m.mangled.Add(1)
		m.changed.Add(1)
		hangUp(w)
		return
	}
	up := httptest.NewRecorder()
	m.proxy.ServeHTTP(up, r)
	orig := Reply{Status: up.Code, ContentType: up.Header().Get("Content-Type"), Body: bytes.Clone(up.Body.Bytes())}
	rep := m.mangling.Reply(orig)
	m.mangled.Add(1)
	if rep.Status != orig.Status || rep.ContentType != orig.ContentType || !bytes.Equal(rep.Body, orig.Body) {
		m.changed.Add(1)
	}
	if rep.ContentType != "" {
		w.Header().Set("Content-Type", rep.ContentType)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(rep.Body)))
	w.WriteHeader(rep.Status)
	_, _ = w.Write(rep.Body)
}

// hangUp closes the request's connection without writing a reply.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // the server closes the connection
	}
	_ = conn.Close()
}

// Tap is a reverse proxy that passes every request through and keeps the
// successful replies of each action (IAM name): the replies a Mangler of
// that action would replace.
type Tap struct {
	proxy *httputil.ReverseProxy

	mu      sync.Mutex
	replies map[string][]Reply
}

// NewTap returns a Tap in front of upstream.
func NewTap(upstream *url.URL) *Tap {
	return &Tap{proxy: newProxy(upstream), replies: map[string][]Reply{}}
}

// ServeHTTP forwards the request and keeps its reply.
func (t *Tap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read request: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	_, service := scope(r.Header.Get("Authorization"))
	action := service + ":" + operation(r, body)
	up := httptest.NewRecorder()
	t.proxy.ServeHTTP(up, r)
	rep := Reply{Status: up.Code, ContentType: up.Header().Get("Content-Type"), Body: bytes.Clone(up.Body.Bytes())}
	t.mu.Lock()
	t.replies[action] = append(t.replies[action], rep)
	t.mu.Unlock()
	for k, v := range up.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(up.Code)
	_, _ = w.Write(rep.Body)
}

// Actions returns the actions called so far, sorted.
func (t *Tap) Actions() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Sorted(maps.Keys(t.replies))
}

// Replies returns the replies of action so far.
func (t *Tap) Replies(action string) []Reply {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.replies[action])
}
