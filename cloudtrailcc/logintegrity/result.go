package logintegrity

import "time"

// Status is the verdict on one file or span.
type Status string

// Verdicts.
const (
	// Valid: the file is what CloudTrail delivered.
	Valid Status = "valid"
	// Modified: the content differs from what its signature or the digest
	// that lists it says, or a digest was moved from where it was delivered.
	Modified Status = "modified"
	// Deleted: a digest or log file the chain names is absent, or digests
	// were removed from the middle of the chain.
	Deleted Status = "deleted"
	// NotFound: hours of the window that no digest covers and nothing names
	// (logging or validation was off, or the ends of the chain are gone).
	NotFound Status = "not_found"
	// UnknownKey: the digest is signed with a key CloudTrail never
	// published (its fingerprint is not in ListPublicKeys).
	UnknownKey Status = "unknown_key"
	// Uncovered: a log file in the window that no digest lists.
	Uncovered Status = "uncovered"
	// Error: the file could not be judged (not gzip, not JSON, a field
	// missing, a public key that does not parse, a read that failed).
	Error Status = "error"
)

// Intact reports whether s is no sign of tampering: Valid, or NotFound
// (hours without digests that nothing names, such as logging switched off).
func (s Status) Intact() bool { return s == Valid || s == NotFound }

// Kind is what a Result is about.
type Kind string

// Result kinds.
const (
	KindDigest Kind = "digest" // one digest file
	KindLog    Kind = "log"    // one log file
	KindGap    Kind = "gap"    // a span of hours without digests
)

// Result is the verdict on one digest, log file or gap.
type Result struct {
	Kind    Kind
	Account string
	Region  string
	Bucket  string
	Key     string // "" for a gap no surviving digest names
	Status  Status
	Detail  string // why, for every status but Valid
	// Start and End: the digest's period (digestStartTime, digestEndTime;
	// for a digest that is gone or unreadable, the hour before the time in
	// its name), a gap's span, or a log file's oldest and newest event
	// (else its digest's period). Never zero.
	Start, End time.Time
	// Digest is, for a log file, the key of the digest that lists it.
	Digest string
}

// Summary counts the Results of one verification.
type Summary struct {
	Digests, Logs map[Status]int
	Gaps          map[Status]int
	// ObjectsRead is how many S3 objects were read (GetObject calls).
	ObjectsRead int
}

// Clean reports whether nothing was found tampered with or unreadable.
func (s Summary) Clean() bool {
	for _, m := range []map[Status]int{s.Digests, s.Logs, s.Gaps} {
		for st, n := range m {
			if n > 0 && !st.Intact() {
				return false
			}
		}
	}
	return true
}
