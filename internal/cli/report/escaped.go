package report

// escaped returns a copy of r whose findings' outside text (reason,
// resource, account, region, partition, suppression, rule texts and
// links) has passed through fn, one of the escape package's functions for
// the language the format writes. Rule ids, statuses and severities are
// the plugin's own words and stay as they are; so does the evidence,
// which the formats write as JSON.
func (r *Report) escaped(fn func(string) string) *Report {
	out := *r
	out.Findings = make([]Finding, len(r.Findings))
	for i, f := range r.Findings {
		for _, p := range []*string{&f.Reason, &f.Resource, &f.AccountID, &f.Region, &f.Partition,
			&f.SuppressionReason, &f.SuppressionExpires, &f.SuppressionOwner, &f.Title, &f.Description,
			&f.ConformityID, &f.ConformityRisk, &f.Remediation, &f.RemediationCLI} {
			*p = fn(*p)
		}
		f.Related = mapStrings(f.Related, fn)
		f.References = mapStrings(f.References, fn)
		out.Findings[i] = f
	}
	return &out
}

// mapStrings returns fn of each of list (nil for nil).
func mapStrings(list []string, fn func(string) string) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = fn(s)
	}
	return out
}
