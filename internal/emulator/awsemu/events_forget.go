package awsemu

import "time"

// ForgetEventsBefore drops every recorded event older than t, in every
// account and region: a caller that delivers weeks of events an hour at a
// time (AddEvent, then AdvanceClock) keeps only the hours not yet
// delivered, so neither the emulator's memory nor each hour's delivery
// grows with the weeks already delivered. LookupEvents no longer sees
// the dropped events.
func (s *Server) ForgetEventsBefore(t time.Time) {
	s.st.lock(func() {
		for k, evs := range s.st.events {
			kept := evs[:0]
			for _, e := range evs {
				if !e.Time.Before(t) {
					kept = append(kept, e)
				}
			}
			clear(evs[len(kept):])
			if len(kept) == 0 {
				delete(s.st.events, k)
			} else {
				s.st.events[k] = kept
			}
		}
	})
}
