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
	EmptyOK = Mangling{"empty 200", func(u Reply) Reply { return Reply{http.StatusOK, u.ContentType, nil} }}
	// HTMLOK is a corporate proxy's login page.
	HTMLOK = Mangling{"HTML 200", func(Reply) Reply {
		return Reply{http.StatusOK, "text/html; charset=utf-8",
			[]byte(`<!DOCTYPE html><html><head><title>Sign in</title></head><body><form method="post" action="/login"><input name="user"><input name="password" type="password"></form></body></html>`)}
	}}
	// EmptyDocument is a well-formed document with nothing in it: {} for
	// the JSON protocols, <X/> for the XML ones.
	EmptyDocument = Mangling{"empty document", func(u Reply) Reply {
		if u.isJSON() {
			return Reply{http.StatusOK, u.ContentType, []byte(`{}`)}
		}
		return Reply{http.StatusOK, u.ContentType, []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<X/>")}
	}}
	// Truncated is the first half of the upstream body, as if the
	// connection had been cut and the length header rewritten.
	Truncated = Mangling{"truncated", func(u Reply) Reply {
		return Reply{http.StatusOK, u.ContentType, u.Body[:len(u.Body)/2]}
	}}
	// Garbage is bytes in no format, in the protocol's content type.
	Garbage = Mangling{"garbage", func(u Reply) Reply {
		return Reply{http.StatusOK, u.ContentType, []byte("\x00\x9f\x92\x96 not a reply ~~~ \xff\xfe")}
	}}
)

// Mangler is a reverse proxy in front of an AWS-compatible endpoint that
// passes every request through and replaces the reply of one action (IAM
// name, e.g. "s3:GetBucketAcl") with what a Mangling makes of it.
type Mangler struct {
	action   string
	mangling Mangling
	proxy    *httputil.ReverseProxy
	mangled  atomic.Int64

	mu      sync.Mutex
	regions map[string]bool
}

// NewMangler returns a Mangler of action's replies in front of upstream.
func NewMangler(upstream *url.URL, action string, m Mangling) *Mangler {
	return &Mangler{action: action, mangling: m, proxy: httputil.NewSingleHostReverseProxy(upstream), regions: map[string]bool{}}
}

// Regions returns the credential-scope regions of the requests seen so far.
func (m *Mangler) Regions() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Sorted(maps.Keys(m.regions))
}

// Mangled returns how many replies were replaced so far.
func (m *Mangler) Mangled() int { return int(m.mangled.Load()) }

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
	up := httptest.NewRecorder()
	m.proxy.ServeHTTP(up, r)
	rep := m.mangling.Reply(Reply{Status: up.Code, ContentType: up.Header().Get("Content-Type"), Body: up.Body.Bytes()})
	m.mangled.Add(1)
	if rep.ContentType != "" {
		w.Header().Set("Content-Type", rep.ContentType)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(rep.Body)))
	w.WriteHeader(rep.Status)
	_, _ = w.Write(rep.Body)
}
