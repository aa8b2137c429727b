package awsemu

import (
	"sync"
	"time"
)

// Call is one AWS call as the request log records it.
type Call struct {
	// Action is the IAM-style action, e.g. "cloudtrail:DescribeTrails",
	// "s3:GetBucketAcl", "s3:GetAccountPublicAccessBlock".
	Action    string    `json:"action"`
	Region    string    `json:"region"`
	AccountID string    `json:"account_id"`
	Status    int       `json:"status"`
	ErrorCode string    `json:"error_code,omitempty"`
	Time      time.Time `json:"time"`
}

type callLog struct {
	mu    sync.Mutex
	calls []Call
}

func (l *callLog) add(c Call) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, c)
}

// Calls returns every AWS call served since start or the last ResetCalls,
// oldest first (control calls are not recorded).
func (s *Server) Calls() []Call {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	return append([]Call(nil), s.calls.calls...)
}

// CallCounts counts the recorded calls by Action, over all accounts.
func (s *Server) CallCounts() map[string]int {
	return CountCalls(s.Calls())
}

// CountCalls counts calls by Action.
func CountCalls(calls []Call) map[string]int {
	out := map[string]int{}
	for _, c := range calls {
		out[c.Action]++
	}
	return out
}

// ResetCalls empties the request log.
func (s *Server) ResetCalls() {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	s.calls.calls = nil
}
