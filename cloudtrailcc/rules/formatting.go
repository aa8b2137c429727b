package rules

// Wording of reasons and evidence: management scopes, raw responses, times,
// durations and lists.

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// describeScope says a management scope in words: "ReadWriteType All, no
// excluded event sources" or "advanced selector, readOnly true, excluding
// kms.amazonaws.com".
func describeScope(s snapshot.ManagementScope) string {
	out := "ReadWriteType " + s.ReadWriteType
	if s.Advanced {
		out = "advanced selector, read and write (no readOnly condition)"
		if s.ReadOnly != "" {
			out = "advanced selector, readOnly " + s.ReadOnly
		}
	}
	if len(s.ExcludedSources) > 0 {
		return out + ", excluding " + strings.Join(s.ExcludedSources, ", ")
	}
	return out + ", no excluded event sources"
}

// rawEvidence returns a raw JSON response as a value that serialises
// cleanly (decoded JSON, or the text when it is not valid JSON).
func rawEvidence(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	return v
}

// fmtTime formats a time for reasons and evidence (RFC 3339, UTC).
func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ago says how long before now t was, in hours or days.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return "in the future"
	case d < 2*time.Hour:
		return fmt.Sprintf("%d minutes ago", int(d/time.Minute))
	case d < 72*time.Hour:
		return fmt.Sprintf("%d hours ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
}

// fmtDuration formats a lookback window ("24h", "7d", "90m").
func fmtDuration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0 && d > 24*time.Hour:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return d.Round(time.Minute).String()
}

// shortList joins items, shortening to the first max and a count.
func shortList(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:max], ", "), len(items)-max)
}

// nonNil returns s, or an empty slice for nil (so evidence shows [] not null).
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// orNone returns s, or "none" when empty.
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// quoteOrEmpty quotes s, or says "(none)" when empty.
func quoteOrEmpty(s string) string {
	if s == "" {
		return "(none)"
	}
	return `"` + s + `"`
}

// itoa formats an int.
func itoa(n int) string { return strconv.Itoa(n) }
