package report

import (
	"io"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
)

// OCSF identifiers of a Compliance Finding (OCSF 1.1.0, category Findings).
const (
	// OCSFVersion is the OCSF schema version the events follow.
	OCSFVersion = "1.1.0"
	// OCSFClassUID is the Compliance Finding class.
	OCSFClassUID = 2003
	// OCSFCategoryUID is the Findings category.
	OCSFCategoryUID = 2
	// OCSFActivityCreate is activity_id Create.
	OCSFActivityCreate = 1
	// OCSFTypeUID is class_uid * 100 + activity_id.
	OCSFTypeUID = OCSFClassUID*100 + OCSFActivityCreate
)

// OCSFFinding is one OCSF Compliance Finding event (class_uid 2003) with
// the cloud profile.
// Field names and JSON keys are the spec's own.
type OCSFFinding struct {
	ActivityID   int    `json:"activity_id"`
	ActivityName string `json:"activity_name"`
	CategoryUID  int    `json:"category_uid"`
	CategoryName string `json:"category_name"`
	ClassUID     int    `json:"class_uid"`
	ClassName    string `json:"class_name"`
	TypeUID      int    `json:"type_uid"`
	TypeName     string `json:"type_name"`
	SeverityID   int    `json:"severity_id"`
	Severity     string `json:"severity"`
	StatusID     int    `json:"status_id"`
	Status       string `json:"status"`
	// Time is when the check ran, in milliseconds since the epoch.
	Time        int64            `json:"time"`
	Message     string           `json:"message,omitempty"`
	Metadata    OCSFMetadata     `json:"metadata"`
	FindingInfo OCSFFindingInfo  `json:"finding_info"`
	Compliance  OCSFCompliance   `json:"compliance"`
	Resources   []OCSFResource   `json:"resources"`
	Cloud       OCSFCloud        `json:"cloud"`
	Remediation *OCSFRemediation `json:"remediation,omitempty"`
	Unmapped    map[string]any   `json:"unmapped,omitempty"`
}

// OCSFMetadata is the metadata object.
// Field names and JSON keys are the spec's own.
type OCSFMetadata struct {
	Version   string      `json:"version"`
	Product   OCSFProduct `json:"product"`
	Profiles  []string    `json:"profiles,omitempty"`
	EventCode string      `json:"event_code,omitempty"`
}

// OCSFProduct is metadata.product.
// Field names and JSON keys are the spec's own.
type OCSFProduct struct {
	Name       string `json:"name"`
	VendorName string `json:"vendor_name"`
	Version    string `json:"version,omitempty"`
}

// OCSFFindingInfo is the finding_info object.
// Field names and JSON keys are the spec's own.
type OCSFFindingInfo struct {
	UID   string   `json:"uid"`
	Title string   `json:"title"`
	Desc  string   `json:"desc,omitempty"`
	Types []string `json:"types,omitempty"`
}

// OCSFCompliance is the compliance object.
// Field names and JSON keys are the spec's own.
type OCSFCompliance struct {
	Control      string   `json:"control"`
	Requirements []string `json:"requirements,omitempty"`
	Standards    []string `json:"standards"`
	Status       string   `json:"status"`
	StatusID     int      `json:"status_id"`
	StatusDetail string   `json:"status_detail,omitempty"`
}

// OCSFResource is one resource_details entry.
// Field names and JSON keys are the spec's own.
type OCSFResource struct {
	UID            string    `json:"uid"`
	Type           string    `json:"type"`
	Region         string    `json:"region,omitempty"`
	CloudPartition string    `json:"cloud_partition,omitempty"`
	Owner          *OCSFUser `json:"owner,omitempty"`
}

// OCSFUser carries the owning account.
type OCSFUser struct {
	Account OCSFAccount `json:"account"`
}

// OCSFCloud is the cloud object.
// Field names and JSON keys are the spec's own.
type OCSFCloud struct {
	Provider string      `json:"provider"`
	Account  OCSFAccount `json:"account"`
	Region   string      `json:"region,omitempty"`
}

// OCSFAccount is an account object.
// Field names and JSON keys are the spec's own.
type OCSFAccount struct {
	UID    string `json:"uid"`
	Type   string `json:"type,omitempty"`
	TypeID int    `json:"type_id,omitempty"`
}

// OCSFRemediation is the remediation object.
// Field names and JSON keys are the spec's own.
type OCSFRemediation struct {
	Desc       string   `json:"desc"`
	References []string `json:"references,omitempty"`
}

// ocsfSeverity maps a rule severity to severity_id and its caption.
var ocsfSeverity = map[string]struct {
	id      int
	caption string
}{
	"low": {2, "Low"}, "medium": {3, "Medium"}, "high": {4, "High"}, "critical": {5, "Critical"},
}

// ocsfComplianceStatus maps a finding status to compliance.status_id
// (0 Unknown, 1 Pass, 2 Warning, 3 Fail, 99 Other) and its caption.
var ocsfComplianceStatus = map[rules.Status]struct {
	id      int
	caption string
}{
	"ok": {1, "Pass"}, "alarm": {3, "Fail"}, "info": {2, "Warning"}, "error": {0, "Unknown"}, "skip": {99, "Skipped"},
}

// OCSFOf converts the report into OCSF Compliance Finding events, one per
// finding: compliance.status_id Pass (ok), Fail (alarm), Warning (info),
// Unknown (error, with the reason as status_detail) or Other "Skipped"
// (skip); severity_id the rule's severity for alarms and Informational
// otherwise; status_id New, Resolved for ok, or Suppressed for an alarm an
// exception accepts (its reason, expiry and owner under
// unmapped.suppression).
func OCSFOf(r *Report) []OCSFFinding {
	out := []OCSFFinding{}
	ids := findingIDs(r, "cloudtrailcc/")
	for i, f := range r.Findings {
		c, _ := r.Benchmark.Control(f.RuleID)
		partition := orDefault(f.Partition, "aws")
		resource := f.resourceOrAccount()
		sevID, sevCaption := 1, "Informational"
		if f.Status == "alarm" {
			if s, ok := ocsfSeverity[f.Severity]; ok {
				sevID, sevCaption = s.id, s.caption
			}
		}
		statusID, status := 1, "New"
		switch {
		case f.Suppressed:
			statusID, status = 3, "Suppressed"
		case f.Status == "ok":
			statusID, status = 4, "Resolved"
		}
		cs, ok := ocsfComplianceStatus[f.Status]
		if !ok {
			cs.caption = "Unknown"
		}
		comp := OCSFCompliance{
			Control:      c.ControlID,
			Requirements: relatedRequirements(f, c),
			Standards:    []string{r.Benchmark.Title},
			Status:       cs.caption,
			StatusID:     cs.id,
		}
		if f.Status == "error" || f.Status == "skip" || f.Status == "info" {
			comp.StatusDetail = f.Reason
		}
		ev := OCSFFinding{
			ActivityID:   OCSFActivityCreate,
			ActivityName: "Create",
			CategoryUID:  OCSFCategoryUID,
			CategoryName: "Findings",
			ClassUID:     OCSFClassUID,
			ClassName:    "Compliance Finding",
			TypeUID:      OCSFTypeUID,
			TypeName:     "Compliance Finding: Create",
			SeverityID:   sevID,
			Severity:     sevCaption,
			StatusID:     statusID,
			Status:       status,
			Time:         epochMillis(r.Time),
			Message:      f.Reason,
			Metadata: OCSFMetadata{
				Version:   OCSFVersion,
				Product:   OCSFProduct{Name: "cloudtrailcc", VendorName: "cloudtrailcc", Version: orDefault(r.Version, "dev")},
				Profiles:  []string{"cloud"},
				EventCode: f.RuleID,
			},
			FindingInfo: OCSFFindingInfo{
				UID:   ids[i],
				Title: orDefault(c.Title, f.Title),
				Desc:  orDefault(c.Description, f.Description),
				Types: []string{asffType},
			},
			Compliance: comp,
			Resources: []OCSFResource{{
				UID:            resource,
				Type:           asffResourceType(resource),
				Region:         f.Region,
				CloudPartition: partition,
				Owner:          &OCSFUser{Account: OCSFAccount{UID: f.AccountID, Type: "AWS Account", TypeID: 10}},
			}},
			Cloud: OCSFCloud{Provider: "AWS", Account: OCSFAccount{UID: f.AccountID, Type: "AWS Account", TypeID: 10}, Region: f.Region},
			Unmapped: map[string]any{
				"rule_id":  f.RuleID,
				"status":   f.Status,
				"severity": strings.ToLower(f.Severity),
				"group_id": c.GroupID,
				"evidence": f.Evidence,
			},
		}
		if f.Suppressed {
			sup := map[string]any{"reason": f.SuppressionReason, "expires": f.SuppressionExpires, "note": f.suppression().String()}
			if f.SuppressionOwner != "" {
				sup["owner"] = f.SuppressionOwner
			}
			ev.Unmapped["suppression"] = sup
		}
		if f.Remediation != "" {
			ev.Remediation = &OCSFRemediation{Desc: f.Remediation, References: f.References}
		}
		out = append(out, ev)
	}
	return out
}

// WriteOCSF writes the report as a JSON array of OCSF Compliance Finding
// events.
func WriteOCSF(w io.Writer, r *Report) error {
	return writeIndented(w, OCSFOf(r), "OCSF")
}
