// Package emuclient is the Go client of the awsemu control endpoint
// (/_emulator/ on the emulator's port): it sets state only AWS itself sets,
// injects faults and latency and reads the request log of an emulator that
// may run in another process. Method names mirror awsemu.Server's.
package emuclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
)

// Call is one AWS call of the request log.
type Call = awsemu.Call

// Fault is an injected fault (see awsemu.Fault).
type Fault = awsemu.Fault

// OrganizationTrail describes an organization trail of another account.
type OrganizationTrail = awsemu.OrganizationTrail

// Organization describes the emulated organization (see awsemu.Organization).
type Organization = awsemu.Organization

// OrgAccount is one account of an Organization.
type OrgAccount = awsemu.OrgAccount

// Role is an IAM role AssumeRole can assume (see awsemu.Role).
type Role = awsemu.Role

// EventInput describes a CloudTrail event to add to the event history.
type EventInput = awsemu.EventInput

// TrailStatus sets the GetTrailStatus fields only AWS sets. Every field is
// sent: times are RFC 3339 and "" clears a time or an error.
type TrailStatus struct {
	AccountID                         string `json:"account_id,omitempty"`
	TrailARN                          string `json:"trail_arn"`
	LatestDeliveryTime                string `json:"latest_delivery_time"`
	LatestDeliveryError               string `json:"latest_delivery_error"`
	LatestNotificationTime            string `json:"latest_notification_time"`
	LatestNotificationError           string `json:"latest_notification_error"`
	LatestCloudWatchLogsDeliveryTime  string `json:"latest_cloud_watch_logs_delivery_time"`
	LatestCloudWatchLogsDeliveryError string `json:"latest_cloud_watch_logs_delivery_error"`
	LatestDigestDeliveryTime          string `json:"latest_digest_delivery_time"`
	LatestDigestDeliveryError         string `json:"latest_digest_delivery_error"`
}

// Client talks to one emulator's control endpoint.
type Client struct {
	base string
	http *http.Client
}

// New returns a client for the emulator at baseURL (e.g. "http://127.0.0.1:4566").
func New(baseURL string) *Client {
	return &Client{base: strings.TrimSuffix(baseURL, "/"), http: &http.Client{Timeout: 30 * time.Second}}
}

// URL is the emulator's base URL.
func (c *Client) URL() string { return c.base }

// do sends a control request; out (if not nil) receives the JSON answer.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("emuclient: encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+"/_emulator/"+path, body)
	if err != nil {
		return fmt.Errorf("emuclient: %s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("emuclient: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("emuclient: read %s %s: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return fmt.Errorf("emuclient: %s %s: %s", method, path, e.Error)
		}
		return fmt.Errorf("emuclient: %s %s: HTTP %d: %s", method, path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("emuclient: decode %s %s: %w", method, path, err)
		}
	}
	return nil
}

// Health checks that the emulator answers.
func (c *Client) Health(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "health", nil, nil)
}

// AddAccount registers credentials for an account.
func (c *Client) AddAccount(ctx context.Context, accessKeyID, secretAccessKey, accountID string) error {
	return c.do(ctx, http.MethodPost, "accounts", map[string]string{
		"access_key_id": accessKeyID, "secret_access_key": secretAccessKey, "account_id": accountID,
	}, nil)
}

// Calls returns the request log, oldest first.
func (c *Client) Calls(ctx context.Context) ([]Call, error) {
	var out []Call
	err := c.do(ctx, http.MethodGet, "calls", nil, &out)
	return out, err
}

// CallCounts counts the request log by IAM action.
func (c *Client) CallCounts(ctx context.Context) (map[string]int, error) {
	calls, err := c.Calls(ctx)
	if err != nil {
		return nil, err
	}
	return awsemu.CountCalls(calls), nil
}

// ResetCalls empties the request log.
func (c *Client) ResetCalls(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "calls/reset", nil, nil)
}

// AddFault injects a fault.
func (c *Client) AddFault(ctx context.Context, f Fault) error {
	return c.do(ctx, http.MethodPost, "faults", f, nil)
}

// ClearFaults removes every fault.
func (c *Client) ClearFaults(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "faults", nil, nil)
}

// Faults lists the active faults.
func (c *Client) Faults(ctx context.Context) ([]Fault, error) {
	var out []Fault
	err := c.do(ctx, http.MethodGet, "faults", nil, &out)
	return out, err
}

// SetLatency sets the latency added to every AWS call.
func (c *Client) SetLatency(ctx context.Context, d time.Duration) error {
	return c.do(ctx, http.MethodPost, "latency", map[string]int64{"latency_ms": d.Milliseconds()}, nil)
}

// SetLookupEventsRate sets LookupEvents' requests/second per account and
// region (0 = AWS's 2, negative = unlimited).
func (c *Client) SetLookupEventsRate(ctx context.Context, rate float64) error {
	return c.do(ctx, http.MethodPost, "lookup-events-rate", map[string]float64{"rate": rate}, nil)
}

// SetTrailStatus sets a trail's delivery times and errors.
func (c *Client) SetTrailStatus(ctx context.Context, ts TrailStatus) error {
	return c.do(ctx, http.MethodPost, "trail-status", ts, nil)
}

// SetBucketMFADelete sets a bucket's MFA Delete ("Enabled" or "Disabled").
func (c *Client) SetBucketMFADelete(ctx context.Context, accountID, bucket, mfaDelete string) error {
	return c.do(ctx, http.MethodPost, "bucket-mfa-delete", map[string]string{
		"account_id": accountID, "bucket": bucket, "mfa_delete": mfaDelete,
	}, nil)
}

// AddForeignBucket creates a bucket owned by another account.
func (c *Client) AddForeignBucket(ctx context.Context, bucket, ownerAccountID, region string) error {
	return c.do(ctx, http.MethodPost, "foreign-bucket", map[string]string{
		"bucket": bucket, "owner_account_id": ownerAccountID, "region": region,
	}, nil)
}

// AddOrganizationTrail creates an organization trail of another account.
func (c *Client) AddOrganizationTrail(ctx context.Context, o OrganizationTrail) error {
	return c.do(ctx, http.MethodPost, "organization-trail", o, nil)
}

// AddForeignTopic registers an SNS topic of another account.
func (c *Client) AddForeignTopic(ctx context.Context, topicARN string) error {
	return c.do(ctx, http.MethodPost, "foreign-topic", map[string]string{"topic_arn": topicARN}, nil)
}

// AddForeignKey registers a KMS key of another account.
func (c *Client) AddForeignKey(ctx context.Context, keyARN string) error {
	return c.do(ctx, http.MethodPost, "foreign-key", map[string]string{"key_arn": keyARN}, nil)
}

// AddEvent adds a CloudTrail event to an account's event history.
func (c *Client) AddEvent(ctx context.Context, e EventInput) error {
	return c.do(ctx, http.MethodPost, "events", e, nil)
}

// BackdateEvents moves the account's recorded events back by age.
func (c *Client) BackdateEvents(ctx context.Context, accountID string, age time.Duration) error {
	return c.do(ctx, http.MethodPost, "events/backdate", map[string]any{
		"account_id": accountID, "age_seconds": age.Seconds(),
	}, nil)
}

// SetOrganization creates or replaces the emulated organization.
func (c *Client) SetOrganization(ctx context.Context, o Organization) error {
	return c.do(ctx, http.MethodPost, "organization", o, nil)
}

// AddRole creates a role that STS AssumeRole can assume.
func (c *Client) AddRole(ctx context.Context, r Role) error {
	return c.do(ctx, http.MethodPost, "roles", r, nil)
}

// SetClock sets the emulator's log delivery clock; moving it forward
// delivers the log and digest files of the hours it passes.
func (c *Client) SetClock(ctx context.Context, now time.Time) error {
	return c.do(ctx, http.MethodPost, "clock", map[string]string{"now": now.UTC().Format(time.RFC3339)}, nil)
}

// AdvanceClock moves the log delivery clock forward by d, delivering the
// log and digest files of the hours it passes.
func (c *Client) AdvanceClock(ctx context.Context, d time.Duration) error {
	return c.do(ctx, http.MethodPost, "clock/advance", map[string]float64{"seconds": d.Seconds()}, nil)
}

// Clock returns the log delivery clock.
func (c *Client) Clock(ctx context.Context) (time.Time, error) {
	var out struct {
		Now time.Time `json:"now"`
	}
	err := c.do(ctx, http.MethodGet, "clock", nil, &out)
	return out.Now, err
}
