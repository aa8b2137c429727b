package docs_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// pluginAWSSchema holds the stand-ins for steampipe-plugin-aws's tables that
// the table pages join with, on the search_path after the bridge's schema.
const pluginAWSSchema = "plugin_aws_standin"

// pluginAWSTables are the stand-ins: steampipe-plugin-aws's columns of
// aws_cloudtrail_trail and aws_s3_bucket with their Postgres types (as
// Steampipe maps the plugin's column types), and how each is filled from
// the bridge for the demo account: the same trails and owned buckets, as
// plugin-aws would list them for that account, the columns this plugin has
// not left null.
var pluginAWSTables = []struct {
	name, from string
	columns    [][3]string // column, type, expression over the bridge's table (empty: null)
}{
	{"aws_cloudtrail_trail", "cloudtrailcc_trail", [][3]string{
		{"name", "text", "name"}, {"arn", "text", "arn"}, {"home_region", "text", "home_region"},
		{"is_multi_region_trail", "boolean", "is_multi_region_trail"}, {"log_file_validation_enabled", "boolean", "log_file_validation_enabled"},
		{"is_logging", "boolean", "is_logging"}, {"log_group_arn", "text", "log_group_arn"}, {"cloudwatch_logs_role_arn", "text", "cloudwatch_logs_role_arn"},
		{"has_custom_event_selectors", "boolean", "has_custom_event_selectors"}, {"has_insight_selectors", "boolean", "has_insight_selectors"},
		{"include_global_service_events", "boolean", "include_global_service_events"}, {"is_organization_trail", "boolean", "is_organization_trail"},
		{"kms_key_id", "text", "kms_key_id"}, {"s3_bucket_name", "text", "s3_bucket_name"}, {"s3_key_prefix", "text", "s3_key_prefix"},
		{"sns_topic_arn", "text", "sns_topic_arn"},
		{"latest_cloudwatch_logs_delivery_error", "text", "latest_cloudwatch_logs_delivery_error"}, {"latest_cloudwatch_logs_delivery_time", "timestamptz", "latest_cloudwatch_logs_delivery_time"},
		{"latest_delivery_error", "text", "latest_delivery_error"}, {"latest_delivery_time", "timestamptz", "latest_delivery_time"},
		{"latest_digest_delivery_error", "text", "latest_digest_delivery_error"}, {"latest_digest_delivery_time", "timestamptz", "latest_digest_delivery_time"},
		{"latest_notification_error", "text", "latest_notification_error"}, {"latest_notification_time", "timestamptz", "latest_notification_time"},
		{"start_logging_time", "timestamptz", "start_logging_time"}, {"stop_logging_time", "timestamptz", "stop_logging_time"},
		{"advanced_event_selectors", "jsonb", "advanced_event_selectors"}, {"event_selectors", "jsonb", "event_selectors"},
		{"insight_selectors", "jsonb", "insight_selectors"}, {"tags_src", "jsonb", "tags_src"}, {"tags", "jsonb", "tags"},
		{"akas", "jsonb", "akas"}, {"title", "text", "title"},
		{"partition", "text", "partition"}, {"region", "text", "region"}, {"account_id", "text", "account_id"},
	}},
	{"aws_s3_bucket", "cloudtrailcc_trail_bucket where owned", [][3]string{
		{"name", "text", "name"}, {"arn", "text", "arn"}, {"creation_date", "timestamptz", ""},
		{"bucket_policy_is_public", "boolean", "bucket_policy_is_public"}, {"versioning_enabled", "boolean", "versioning_enabled"},
		{"versioning_mfa_delete", "boolean", "versioning_mfa_delete"}, {"block_public_acls", "boolean", "block_public_acls"},
		{"block_public_policy", "boolean", "block_public_policy"}, {"ignore_public_acls", "boolean", "ignore_public_acls"},
		{"restrict_public_buckets", "boolean", "restrict_public_buckets"}, {"event_notification_configuration", "jsonb", ""},
		{"server_side_encryption_configuration", "jsonb", ""}, {"acl", "jsonb", "acl"}, {"lifecycle_rules", "jsonb", ""},
		{"logging", "jsonb", "logging"}, {"object_lock_configuration", "jsonb", ""}, {"object_ownership_controls", "jsonb", "object_ownership_controls"},
		{"policy", "jsonb", ""}, {"policy_std", "jsonb", ""}, {"replication", "jsonb", ""}, {"website_configuration", "jsonb", ""},
		{"tags_src", "jsonb", ""}, {"tags", "jsonb", ""}, {"title", "text", "title"}, {"akas", "jsonb", "akas"},
		{"region", "text", "region"}, {"partition", "text", "partition"}, {"account_id", "text", "account_id"},
	}},
}

// createPluginAWSStandIns creates and fills the stand-ins and puts their
// schema on conn's search_path.
func createPluginAWSStandIns(ctx context.Context, t *testing.T, conn *pgx.Conn) {
	t.Helper()
	stmts := []string{"DROP SCHEMA IF EXISTS " + pluginAWSSchema + " CASCADE", "CREATE SCHEMA " + pluginAWSSchema}
	for _, tb := range pluginAWSTables {
		var defs, cols, exprs []string
		for _, c := range tb.columns {
			defs = append(defs, c[0]+" "+c[1])
			cols = append(cols, c[0])
			e := "null"
			if c[2] != "" {
				e = c[2]
			}
			exprs = append(exprs, e+"::"+c[1])
		}
		full := pluginAWSSchema + "." + tb.name
		stmts = append(stmts,
			fmt.Sprintf("CREATE TABLE %s (%s)", full, strings.Join(defs, ", ")),
			fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s", full, strings.Join(cols, ", "), strings.Join(exprs, ", "), tb.from))
	}
	stmts = append(stmts, "SET search_path TO "+bridgeSchema+", "+pluginAWSSchema+", public")
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatalf("plugin-aws stand-in: %s: %v", s, err)
		}
	}
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pluginAWSSchema+" CASCADE") })
}

// joinsPluginAWS matches a query joining a plugin-aws table on its arn.
var joinsPluginAWS = regexp.MustCompile(`\b(aws_cloudtrail_trail|aws_s3_bucket)\s+(?:as\s+)?(\w+)`)

// joinsOnARN reports whether sql joins aws_cloudtrail_trail or aws_s3_bucket
// through that table's arn column.
func joinsOnARN(sql string) bool {
	for _, m := range joinsPluginAWS.FindAllStringSubmatch(sql, -1) {
		if regexp.MustCompile(`\b` + m[2] + `\.arn\b`).MatchString(sql) {
			return true
		}
	}
	return false
}
