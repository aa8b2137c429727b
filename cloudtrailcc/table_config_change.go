package cloudtrailcc

import (
	"encoding/json"
	"net"

	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// changeRow is one CloudTrail configuration-change event.
type changeRow struct {
	acct *snapshot.Account
	e    *snapshot.ConfigChangeEvent
}

// configChangeTable is cloudtrailcc_config_change: the CloudTrail
// configuration changes of the lookback window (LookupEvents).
func configChangeTable() tableSpec[changeRow] {
	type r = changeRow
	str, js := proto.ColumnType_STRING, proto.ColumnType_JSON
	return tableSpec[r]{
		name: "cloudtrailcc_config_change",
		desc: "CloudTrail configuration-change events (CreateTrail, UpdateTrail, StopLogging, PutEventSelectors, ...) found by LookupEvents in every evaluated region within the connection's config_change_lookback window, newest first.",
		base: snapshot.NeedConfigChanges,
		keys: []string{"event_name"},
		cols: []column[r]{
			{name: "event_id", typ: str, desc: "The CloudTrail ID of the event returned.", get: func(x r) any { return x.e.EventID }},
			{name: "event_time", typ: proto.ColumnType_TIMESTAMP, desc: "The date and time of the event returned.", get: func(x r) any { return x.e.EventTime }},
			{name: "event_name", typ: str, desc: "The name of the event returned, e.g. StopLogging.", get: func(x r) any { return x.e.EventName }},
			{name: "region", typ: str, desc: "The AWS region the event was recorded in.", get: func(x r) any { return x.e.Region }},
			{name: "trail", typ: str, desc: "The trail the request was about (name or ARN as given in the request), when there is one.", get: func(x r) any { return optString(x.e.Trail) }},
			{name: "event_source", typ: str, desc: "The AWS service to which the request was made (cloudtrail.amazonaws.com).", get: func(x r) any { return x.e.EventSource }},
			{name: "user_identity_type", typ: str, desc: "The type of the identity that made the request: Root, IAMUser, AssumedRole, AWSService, ...", get: func(x r) any { return optString(x.e.UserIdentityType) }},
			{name: "user_identity_arn", typ: str, desc: "The ARN of the principal that made the call.", get: func(x r) any { return optString(x.e.UserIdentityARN) }},
			{name: "username", typ: str, desc: "A user name or role name of the requester that called the API in the event returned (LookupEvents Username; the event's userIdentity.userName when it names one).", get: func(x r) any { return optString(x.e.UserName) }},
			{name: "access_key_id", typ: str, desc: "The AWS access key ID that was used to sign the request.", get: func(x r) any { return optString(x.e.AccessKeyID) }},
			{name: "source_ip_address", typ: str, desc: "The IP address that the request was made from; for calls made by an AWS service on your behalf, the DNS name of the service (e.g. cloudtrail.amazonaws.com), so this is text, not inet.", get: func(x r) any { return optString(x.e.SourceIPAddress) }},
			{name: "source_ip", typ: proto.ColumnType_IPADDR, desc: "source_ip_address as an inet value when it is an IP address; null when AWS gives a service's DNS name instead.", get: func(x r) any {
				if net.ParseIP(x.e.SourceIPAddress) == nil {
					return nil
				}
				return x.e.SourceIPAddress
			}},
			{name: "user_agent", typ: str, desc: "The agent through which the request was made, such as the AWS Management Console, an AWS service, the AWS SDKs or the AWS CLI.", get: func(x r) any { return optString(x.e.UserAgent) }},
			{name: "request_parameters", typ: js, desc: "The parameters, if any, that were sent with the request.", get: func(x r) any {
				if len(x.e.RequestParameters) == 0 || string(x.e.RequestParameters) == "null" {
					return nil
				}
				return json.RawMessage(x.e.RequestParameters)
			}},
			{name: "error_code", typ: str, desc: "The AWS service error if the request returned an error: the change was attempted, not made.", get: func(x r) any { return optString(x.e.ErrorCode) }},
			{name: "error_message", typ: str, desc: "If the request returns an error, the description of the error.", get: func(x r) any { return optString(x.e.ErrorMessage) }},
			{name: "account_id", typ: str, desc: "The AWS account ID.", get: func(x r) any { return x.acct.AccountID }},
			{name: "partition", typ: str, desc: "The AWS partition (aws, aws-cn or aws-us-gov).", get: func(x r) any { return partitionOf(x.acct) }},
		},
		rows: func(q *query, acct *snapshot.Account) ([]r, error) {
			var out []r
			for _, e := range acct.ConfigChanges {
				if q.match("event_name", e.EventName) {
					out = append(out, r{acct: acct, e: e})
				}
			}
			return out, nil
		},
	}
}
