package report

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/mods"
)

// ASFFSchemaVersion is the ASFF schema version Security Hub accepts.
const ASFFSchemaVersion = "2018-10-08"

// asffType is the finding type of every cloudtrailcc finding
// (namespace/category/classifier).
const asffType = "Software and Configuration Checks/AWS Security Best Practices"

// ASFF length limits (characters) from the AwsSecurityFinding API reference.
const (
	asffMaxID          = 512
	asffMaxTitle       = 256
	asffMaxDescription = 1024
	asffMaxRemediation = 512
	asffMaxNote        = 512
)

// ASFFFinding is one finding in the AWS Security Finding Format, as
// Security Hub's BatchImportFindings accepts it.
// Field names and JSON keys are the spec's own.
type ASFFFinding struct {
	SchemaVersion         string             `json:"SchemaVersion"`
	ID                    string             `json:"Id"`
	ProductArn            string             `json:"ProductArn"`
	ProductName           string             `json:"ProductName,omitempty"`
	CompanyName           string             `json:"CompanyName,omitempty"`
	GeneratorID           string             `json:"GeneratorId"`
	AwsAccountID          string             `json:"AwsAccountId"`
	Types                 []string           `json:"Types"`
	CreatedAt             string             `json:"CreatedAt"`
	UpdatedAt             string             `json:"UpdatedAt"`
	Severity              ASFFSeverity       `json:"Severity"`
	Title                 string             `json:"Title"`
	Description           string             `json:"Description"`
	Remediation           *ASFFRemediation   `json:"Remediation,omitempty"`
	ProductFields         map[string]string  `json:"ProductFields,omitempty"`
	Resources             []ASFFResource     `json:"Resources"`
	Compliance            ASFFCompliance     `json:"Compliance"`
	RecordState           string             `json:"RecordState"`
	Workflow              ASFFWorkflow       `json:"Workflow"`
	Note                  *ASFFNote          `json:"Note,omitempty"`
	FindingProviderFields *ASFFProviderField `json:"FindingProviderFields,omitempty"`
}

// ASFFSeverity is the Severity object.
// Field names and JSON keys are the spec's own.
type ASFFSeverity struct {
	Label    string `json:"Label"`
	Original string `json:"Original,omitempty"`
}

// ASFFRemediation is the Remediation object.
// Field names and JSON keys are the spec's own.
type ASFFRemediation struct {
	Recommendation ASFFRecommendation `json:"Recommendation"`
}

// ASFFRecommendation is Remediation.Recommendation.
// Field names and JSON keys are the spec's own.
type ASFFRecommendation struct {
	Text string `json:"Text"`
	URL  string `json:"Url,omitempty"`
}

// ASFFResource is one entry of Resources.
// Field names and JSON keys are the spec's own.
type ASFFResource struct {
	Type      string `json:"Type"`
	ID        string `json:"Id"`
	Partition string `json:"Partition,omitempty"`
	Region    string `json:"Region,omitempty"`
}

// ASFFCompliance is the Compliance object.
// Field names and JSON keys are the spec's own.
type ASFFCompliance struct {
	Status              string   `json:"Status"`
	RelatedRequirements []string `json:"RelatedRequirements,omitempty"`
}

// ASFFWorkflow is the Workflow object.
// Field names and JSON keys are the spec's own.
type ASFFWorkflow struct {
	Status string `json:"Status"`
}

// ASFFNote is the Note object: here, why a suppressed finding is accepted.
// Field names and JSON keys are the spec's own.
type ASFFNote struct {
	Text      string `json:"Text"`
	UpdatedBy string `json:"UpdatedBy"`
	UpdatedAt string `json:"UpdatedAt"`
}

// ASFFProviderField is FindingProviderFields: where finding providers put
// Severity and Types so that Security Hub users can still change them.
// Field names and JSON keys are the spec's own.
type ASFFProviderField struct {
	Severity ASFFSeverity `json:"Severity"`
	Types    []string     `json:"Types"`
}

// asffCompliance maps a finding status to Compliance.Status (as Powerpipe's
// asff template maps them).
var asffCompliance = map[rules.Status]string{
	"ok":    "PASSED",
	"alarm": "FAILED",
	"error": "WARNING",
	"info":  "NOT_AVAILABLE",
	"skip":  "NOT_AVAILABLE",
}

// ASFFOf converts the report into ASFF findings, one per finding. Ids are
// stable across runs (see findingIDs). Alarms carry the rule's severity; the other
// statuses are INFORMATIONAL, as Security Hub rates passed control checks.
func ASFFOf(r *Report) []ASFFFinding {
	at := r.Time.Format("2006-01-02T15:04:05.000Z07:00")
	out := []ASFFFinding{}
	ids := findingIDs(r, "cloudtrailcc/")
	for i, f := range r.Findings {
		c, _ := r.Benchmark.Control(f.RuleID)
		partition := orDefault(f.Partition, "aws")
		region := f.regionOr(r.DefaultRegion)
		resource := f.resourceOrAccount()
		id := ids[i]
		if len(id) > asffMaxID {
			id = id[:asffMaxID-13] + "/" + shortHash(id)
		}
		sev := ASFFSeverity{Label: "INFORMATIONAL", Original: strings.ToUpper(f.Severity)}
		if f.Status == "alarm" {
			sev.Label = strings.ToUpper(f.Severity)
		}
		workflow := "NEW"
		switch {
		case f.Suppressed:
			workflow = "SUPPRESSED"
		case f.Status == "ok":
			workflow = "RESOLVED"
		}
		af := ASFFFinding{
			SchemaVersion: ASFFSchemaVersion,
			ID:            id,
			ProductArn:    "arn:" + partition + ":securityhub:" + region + ":" + f.AccountID + ":product/" + f.AccountID + "/default",
			ProductName:   "cloudtrailcc",
			CompanyName:   "cloudtrailcc",
			GeneratorID:   c.FullName,
			AwsAccountID:  f.AccountID,
			Types:         []string{asffType},
			CreatedAt:     at,
			UpdatedAt:     at,
			Severity:      sev,
			Title:         truncate(orDefault(c.Title, f.Title), asffMaxTitle),
			Description:   truncate(orDefault(f.Reason, c.Description), asffMaxDescription),
			ProductFields: map[string]string{
				"ProviderName":            "cloudtrailcc",
				"ProviderVersion":         orDefault(r.Version, "dev"),
				"cloudtrailcc/RuleId":     f.RuleID,
				"cloudtrailcc/ControlId":  c.ControlID,
				"cloudtrailcc/GroupId":    c.GroupID,
				"cloudtrailcc/Status":     string(f.Status),
				"cloudtrailcc/Severity":   f.Severity,
				"cloudtrailcc/Conformity": f.ConformityID,
			},
			Resources: []ASFFResource{{Type: asffResourceType(resource), ID: resource, Partition: partition, Region: region}},
			Compliance: ASFFCompliance{
				Status:              asffCompliance[f.Status],
				RelatedRequirements: relatedRequirements(f, c),
			},
			RecordState:           "ACTIVE",
			Workflow:              ASFFWorkflow{Status: workflow},
			FindingProviderFields: &ASFFProviderField{Severity: sev, Types: []string{asffType}},
		}
		if f.ConformityID == "" {
			delete(af.ProductFields, "cloudtrailcc/Conformity")
		}
		if f.Suppressed {
			af.Note = &ASFFNote{Text: truncate(f.suppression().String(), asffMaxNote),
				UpdatedBy: truncate(orDefault(f.SuppressionOwner, "cloudtrailcc"), asffMaxNote), UpdatedAt: at}
			af.ProductFields["cloudtrailcc/SuppressionExpires"] = f.SuppressionExpires
		}
		if f.Remediation != "" {
			af.Remediation = &ASFFRemediation{Recommendation: ASFFRecommendation{Text: truncate(f.Remediation, asffMaxRemediation)}}
			if len(f.References) > 0 && len(f.References[0]) <= 512 {
				af.Remediation.Recommendation.URL = f.References[0]
			}
		}
		out = append(out, af)
	}
	return out
}

// WriteASFF writes the report as a JSON array of ASFF findings, the shape
// `aws securityhub batch-import-findings --findings file://FILE` takes
// (at most 100 findings per call).
func WriteASFF(w io.Writer, r *Report) error {
	return writeIndented(w, ASFFOf(r), "ASFF")
}

// findingIDs returns a stable id per finding: prefix + "ACCOUNT/RULE/RESOURCE",
// plus a hash of the reason for every finding of a rule that has several
// findings on one resource (config_changes' events).
func findingIDs(r *Report, prefix string) []string {
	ids := make([]string, len(r.Findings))
	count := map[string]int{}
	for i, f := range r.Findings {
		ids[i] = prefix + f.AccountID + "/" + f.RuleID + "/" + f.resourceOrAccount()
		count[ids[i]]++
	}
	for i, f := range r.Findings {
		if count[ids[i]] > 1 {
			ids[i] += "/" + shortHash(f.Reason)
		}
	}
	return ids
}

// asffResourceType is the ASFF resource type of an ARN.
func asffResourceType(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	switch {
	case len(parts) == 5 && parts[0] == "arn" && parts[2] == "" && parts[3] == "":
		return "AwsAccount" // arn:PARTITION:::ACCOUNT
	case len(parts) < 6:
		return "Other" // arn:PARTITION::REGION:ACCOUNT (a region) and the like
	}
	switch service, resource := parts[2], parts[5]; {
	case service == "cloudtrail" && strings.HasPrefix(resource, "trail/"):
		return "AwsCloudTrailTrail"
	case service == "s3" && parts[3] == "" && parts[4] == "":
		return "AwsS3Bucket"
	case service == "sns":
		return "AwsSnsTopic"
	case service == "kms":
		return "AwsKmsKey"
	case service == "logs":
		return "AwsLogsLogGroup"
	}
	return "Other"
}

// relatedRequirements are the frameworks the control maps to.
func relatedRequirements(f Finding, c *Control) []string {
	var out []string
	if f.ConformityID != "" {
		out = append(out, "Cloud Conformity "+f.ConformityID)
	}
	// One entry per CIS item, with the versions it holds in (the main
	// control's tags carry no item: numbers differ between versions).
	if r, ok := rules.Lookup(f.RuleID); ok && c.Tags["cis"] == "true" {
		for _, ref := range mods.CISRefs(r) {
			v := ref.Item
			if ref.Versions != "" {
				v += " (" + ref.Versions + ")"
			}
			out = append(out, "CIS AWS Foundations Benchmark "+v)
		}
	}
	if v := c.Tags["security_hub"]; v != "" {
		out = append(out, "AWS Security Hub "+v)
	}
	return out
}

// truncate shortens s to at most n characters, marking the cut with "...".
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-3]) + "..."
}

// shortHash is 12 hex digits of s's SHA-256.
func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

// resourceOrAccount is the finding's resource, or the account's ARN when
// it names none.
func (f Finding) resourceOrAccount() string {
	return orDefault(f.Resource, "arn:"+orDefault(f.Partition, "aws")+":::"+f.AccountID)
}

// orDefault is s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// epochMillis is t as OCSF's timestamp_t: milliseconds since the epoch.
func epochMillis(t time.Time) int64 { return t.UnixMilli() }
