package rules

import (
	"slices"
	"strings"
	"testing"
)

// Every status parses back to itself, an unknown one is refused naming the
// valid ones, and Powerpipe's listing order places each status once.
func TestStatusesParseAndHaveOneListingPlace(t *testing.T) {
	places := make([]bool, len(Statuses))
	for _, s := range Statuses {
		got, err := ParseStatus(string(s))
		if err != nil || got != s {
			t.Errorf("ParseStatus(%q) = %q, %v", s, got, err)
		}
		o := s.ListingOrder()
		if o < 0 || o >= len(places) || places[o] {
			t.Errorf("status %s has listing place %d, taken or out of range", s, o)
			continue
		}
		places[o] = true
	}
	if StatusError.ListingOrder() != 0 || StatusSkip.ListingOrder() != len(Statuses)-1 {
		t.Errorf("Powerpipe lists error first and skip last; got error %d, skip %d", StatusError.ListingOrder(), StatusSkip.ListingOrder())
	}
	_, err := ParseStatus("failed")
	if err == nil || !strings.Contains(err.Error(), StatusNames()) {
		t.Errorf("ParseStatus(failed) = %v; want an error listing %s", err, StatusNames())
	}
	if !slices.Equal(strings.Split(StatusNames(), ", "), []string{"ok", "alarm", "info", "skip", "error"}) {
		t.Errorf("StatusNames() = %q", StatusNames())
	}
}
