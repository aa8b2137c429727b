package awsemu

import (
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// Fault is an injected failure or delay. A call matches when every non-empty
// filter matches; the first matching fault (in the order added) applies.
type Fault struct {
	// Action is the exact IAM-style action ("s3:GetBucketAcl") or "*".
	Action string `json:"action"`
	// Region, AccountID filter by the caller's region and account.
	Region    string `json:"region,omitempty"`
	AccountID string `json:"account_id,omitempty"`
	// Resource is a substring of the request path, query or body (a bucket or
	// trail name, for example).
	Resource string `json:"resource,omitempty"`
	// ErrorCode is the error to answer. Generic codes take each service's own
	// shape: AccessDenied (S3 AccessDenied 403, CloudTrail/KMS/Logs
	// AccessDeniedException, SNS AuthorizationError, EC2 UnauthorizedOperation,
	// STS AccessDenied), Throttling/ThrottlingException/SlowDown (S3 SlowDown
	// 503, EC2 RequestLimitExceeded, JSON ThrottlingException, query
	// Throttling) and InternalError/InternalFailure (5xx). Any other code is
	// answered as given with HTTPStatus (default 400). Empty: latency only.
	ErrorCode string `json:"error_code,omitempty"`
	// HTTPStatus overrides the status of ErrorCode.
	HTTPStatus int `json:"http_status,omitempty"`
	// Latency is added before answering.
	Latency time.Duration `json:"latency,omitempty"`
	// Probability of firing per matching call; 0 or 1 means always.
	Probability float64 `json:"probability,omitempty"`
	// Remaining is how many more times the fault fires; 0 means unlimited.
	Remaining int `json:"remaining,omitempty"`
}

type faultSet struct {
	mu     sync.Mutex
	faults []*Fault
}

// AddFault injects a fault.
func (s *Server) AddFault(f Fault) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if f.Action == "" {
		f.Action = "*"
	}
	s.faults.faults = append(s.faults.faults, &f)
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.faults = nil
}

// Faults returns the faults still active.
func (s *Server) Faults() []Fault {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	out := make([]Fault, 0, len(s.faults.faults))
	for _, f := range s.faults.faults {
		out = append(out, *f)
	}
	return out
}

// match returns the fault that fires for q, consuming one of its uses.
func (fs *faultSet) match(q *request) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.faults {
		if !f.matches(q) {
			continue
		}
		if f.Probability > 0 && f.Probability < 1 && rand.Float64() >= f.Probability {
			continue
		}
		fired := *f
		if f.Remaining > 0 {
			f.Remaining--
			if f.Remaining == 0 {
				fs.faults = append(fs.faults[:i:i], fs.faults[i+1:]...)
			}
		}
		return &fired
	}
	return nil
}

func (f *Fault) matches(q *request) bool {
	if f.Action != "*" && f.Action != q.action {
		return false
	}
	if f.Region != "" && f.Region != q.region {
		return false
	}
	if f.AccountID != "" && f.AccountID != q.account {
		return false
	}
	if f.Resource != "" && !strings.Contains(q.r.URL.Path, f.Resource) &&
		!strings.Contains(q.r.URL.RawQuery, f.Resource) && !strings.Contains(string(q.body), f.Resource) {
		return false
	}
	return true
}
