package remediate

import (
	"sort"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

// Names of the resources the plan creates.
const (
	// kmsAlias names the KMS key of the trails' log files, one per region.
	kmsAlias = "alias/cloudtrail-logs"
	// cloudWatchRole is the role CloudTrail assumes to write to CloudWatch Logs.
	cloudWatchRole = "cloudtrail-cloudwatch-logs"
	// logGroupPrefix starts the name of each trail's log group.
	logGroupPrefix = "cloudtrail/"
	// newTrailName names the multi-region trail of an account that has none.
	newTrailName = "cloudtrail-all-regions"
	// logRetentionDays is the retention of the log groups the plan creates.
	logRetentionDays = "365"
)

// Costs (us-east-1 list prices).
const (
	costNone       = "no charge."
	costManagement = "the first copy of management events in each region is free; each further trail recording them costs $2.00 per 100,000 events."
	costDataEvents = "data events cost $0.10 per 100,000 events: every S3 object read and write in the account is billed, which can be large for busy buckets."
	costAccessLogs = "S3 storage for the access logs ($0.023 per GB-month, S3 Standard) and their PUT requests; the volume grows with the requests made to the trail bucket. Add a lifecycle rule to expire old logs."
	costKMSKey     = "$1.00 per month for the key (and $1.00 a month for each of its first two yearly rotations), plus $0.03 per 10,000 requests (CloudTrail calls GenerateDataKey for each log file; readers call Decrypt)."
	costLogGroup   = "CloudWatch Logs ingestion $0.50 per GB and storage $0.03 per GB-month (kept " + logRetentionDays + " days)."
	costVersioning = "S3 storage of every noncurrent object version kept (small for CloudTrail, which writes new objects)."
	costTopic      = "$0.50 per million notifications (the first million a month free)."
)

// arn builds an ARN of the account: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
func (a *accountFacts) arn(service, region, resource string) string {
	return "arn:" + a.partition + ":" + service + ":" + region + ":" + a.id + ":" + resource
}

// add registers step s of this account as a fix of f.
func (a *accountFacts) add(s *Step, f report.Finding) *Step {
	s.Account = a.id
	return a.b.step(s, f)
}

// trailBlock is trail t's aws_cloudtrail resource with the arguments set,
// after the ones that name it and the settings the findings showed.
func trailBlock(t *trailFacts, set []TFAttr, blocks ...*TFNested) *TFBlock {
	var now []TFAttr
	for name, v := range map[string]string{"s3_bucket_name": t.Bucket, "kms_key_id": t.KMSKey, "sns_topic_name": t.Topic,
		"cloud_watch_logs_group_arn": t.LogGroup, "cloud_watch_logs_role_arn": t.LogRole} {
		if v != "" {
			now = append(now, current(str(name, v)))
		}
	}
	for name, v := range map[string]*bool{"is_multi_region_trail": t.MultiRegion, "include_global_service_events": t.Global,
		"enable_log_file_validation": t.Validation, "enable_logging": t.Logging} {
		if v != nil {
			now = append(now, current(boolean(name, *v)))
		}
	}
	sort.Slice(now, func(i, j int) bool { return now[i].Name < now[j].Name })
	attrs := mergeAttrs(append([]TFAttr{str("name", t.Name)}, set...), now)
	b := &TFBlock{Type: "aws_cloudtrail", Name: tfName(t.Name), Region: t.Region, Import: t.ARN, Attrs: attrs, Blocks: blocks}
	if t.New {
		b.Import = ""
	}
	return b
}

// current marks an argument as the value the trail has now: a step that
// sets the argument replaces it.
func current(a TFAttr) TFAttr {
	a.Current = true
	return a
}

// startLogging is the step that starts trail t's logging.
func (a *accountFacts) startLogging(t *trailFacts, f report.Finding) *Step {
	return a.add(&Step{Key: "start-logging:" + t.ARN, Phase: PhaseLogging, Region: t.Region, Resource: t.ARN,
		Title:     "start logging on trail " + t.Name,
		Changes:   "CloudTrail starts recording and delivering the events of trail " + t.Name + " to its bucket; its settings do not change.",
		Cost:      costManagement,
		Commands:  []Command{cmd("cloudtrail", "start-logging", t.Region, "--name", t.ARN)},
		Terraform: []*TFBlock{trailBlock(t, []TFAttr{boolean("enable_logging", true)})},
	}, f)
}

// updateTrail is an update-trail step of kind on trail t.
func (a *accountFacts) updateTrail(t *trailFacts, kind string, rank int, s *Step, args []Arg, tf []TFAttr, f report.Finding) *Step {
	s.Key, s.Phase, s.Rank, s.Region, s.Resource = "update-trail:"+kind+":"+t.ARN, PhaseTrails, rank, t.Region, t.ARN
	c := cmd("cloudtrail", "update-trail", t.Region, "--name", t.ARN)
	c.Args = append(c.Args, args...)
	s.Commands = []Command{c}
	s.Terraform = []*TFBlock{trailBlock(t, tf)}
	return a.add(s, f)
}

// switches are value-less options.
func switches(flags ...string) []Arg {
	out := make([]Arg, len(flags))
	for i, f := range flags {
		out[i] = Arg{Flag: f}
	}
	return out
}

// createBucket are the commands creating a private bucket in region.
func createBucket(name, region string) []Command {
	c := cmd("s3api", "create-bucket", region, "--bucket", name)
	if region != "us-east-1" && region != "" {
		c.Args = append(c.Args, Arg{Flag: "--create-bucket-configuration", Value: "LocationConstraint=" + region})
	}
	return []Command{c}
}

// blockPublicAccess is put-public-access-block with all four settings on.
func blockPublicAccess(bucket, region string) Command {
	return cmd("s3api", "put-public-access-block", region, "--bucket", bucket, "--public-access-block-configuration",
		"BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true")
}

// pabBlock is the Terraform of blockPublicAccess.
func pabBlock(bucket, region string, bucketRef string) *TFBlock {
	b := &TFBlock{Type: "aws_s3_bucket_public_access_block", Name: tfName(bucket), Region: region,
		Attrs: []TFAttr{str("bucket", bucket), boolean("block_public_acls", true), boolean("ignore_public_acls", true),
			boolean("block_public_policy", true), boolean("restrict_public_buckets", true)}}
	if bucketRef != "" {
		b.Attrs[0] = ref("bucket", bucketRef)
	}
	return b
}

// newBucketStep is a step creating a private bucket with policy.
func (a *accountFacts) newBucketStep(key, name, region, title, changes, cost, policy string, f report.Finding) *Step {
	tf := tfName(name)
	return a.add(&Step{Key: key, Phase: PhaseCreate, Region: region, Resource: "arn:" + a.partition + ":s3:::" + name,
		Title: title, Changes: changes, Cost: cost,
		Exists: ptr(cmd("s3api", "head-bucket", region, "--bucket", name)),
		Create: createBucket(name, region),
		Commands: []Command{blockPublicAccess(name, region),
			cmd("s3api", "put-bucket-policy", region, "--bucket", name, "--policy", policy)},
		Terraform: []*TFBlock{
			{Type: "aws_s3_bucket", Name: tf, Region: region, Attrs: []TFAttr{str("bucket", name)}},
			pabBlock(name, region, "aws_s3_bucket."+tf+".id"),
			{Type: "aws_s3_bucket_policy", Name: tf, Region: region,
				Attrs: []TFAttr{ref("bucket", "aws_s3_bucket."+tf+".id"), str("policy", policy)}},
		},
	}, f)
}

// logBucket is the step creating the access-log bucket of region; it
// returns the bucket's name.
func (a *accountFacts) logBucket(region string, f report.Finding) string {
	name := "cloudtrail-access-logs-" + a.id + "-" + region
	a.newBucketStep("log-bucket:"+region, name, region, "create bucket "+name+" for S3 server access logs",
		"a new private bucket in "+region+" that only S3 server access logging of account "+a.id+" may write to.",
		costAccessLogs, a.accessLogPolicy(name), f)
	return name
}

// kmsKey is the step creating the KMS key of the trails' log files in
// region; it returns the shell variable holding its ARN and its Terraform
// reference.
func (a *accountFacts) kmsKey(region string, f report.Finding) (shellVar, tfRef string) {
	name := tfName("cloudtrail_logs_" + region)
	shellVar, fresh := "kms_key_"+shellName(region), "new_key_"+shellName(region)
	pol := a.kmsKeyPolicy()
	a.add(&Step{Key: "kms-key:" + region, Phase: PhaseCreate, Rank: 1, Region: region, Resource: a.arn("kms", region, kmsAlias),
		Title:   "create KMS key " + kmsAlias + " in " + region + " for CloudTrail log files",
		Changes: "a new customer managed key, rotated yearly and administered through the account's IAM policies, that CloudTrail of account " + a.id + " may encrypt log files with.",
		Cost:    costKMSKey,
		Exists:  ptr(cmd("kms", "describe-key", region, "--key-id", kmsAlias)),
		Create: []Command{
			cmd("kms", "create-key", region, "--description", "CloudTrail log files", "--policy", pol).capture(fresh, "KeyMetadata.KeyId"),
			cmd("kms", "create-alias", region, "--alias-name", kmsAlias).withVar("--target-key-id", fresh),
			cmd("kms", "enable-key-rotation", region).withVar("--key-id", fresh),
		},
		Commands: []Command{cmd("kms", "describe-key", region, "--key-id", kmsAlias).capture(shellVar, "KeyMetadata.Arn")},
		Terraform: []*TFBlock{
			{Type: "aws_kms_key", Name: name, Region: region, Attrs: []TFAttr{str("description", "CloudTrail log files"),
				boolean("enable_key_rotation", true), str("policy", pol)}},
			{Type: "aws_kms_alias", Name: name, Region: region, Attrs: []TFAttr{str("name", kmsAlias),
				ref("target_key_id", "aws_kms_key."+name+".key_id")}},
		},
	}, f)
	return shellVar, "aws_kms_key." + name + ".arn"
}

// logGroup is the step creating trail t's log group; it returns its ARN
// as CloudTrail takes it and its Terraform reference.
func (a *accountFacts) logGroup(t *trailFacts, f report.Finding) (groupARN, tfRef string) {
	name := logGroupPrefix + t.Name
	tf := tfName("cloudtrail_" + t.Name)
	a.add(&Step{Key: "log-group:" + t.ARN, Phase: PhaseCreate, Rank: 2, Region: t.Region, Resource: a.arn("logs", t.Region, "log-group:"+name),
		Title:   "create log group " + name + " in " + t.Region,
		Changes: "a new CloudWatch Logs log group for the events of trail " + t.Name + ", kept " + logRetentionDays + " days.",
		Cost:    costLogGroup,
		Exists: ptr(cmd("logs", "describe-log-groups", t.Region, "--log-group-name-prefix", name,
			"--query", "logGroups[?logGroupName=='"+name+"'].logGroupName", "--output", "text")),
		Create:   []Command{cmd("logs", "create-log-group", t.Region, "--log-group-name", name)},
		Commands: []Command{cmd("logs", "put-retention-policy", t.Region, "--log-group-name", name, "--retention-in-days", logRetentionDays)},
		Terraform: []*TFBlock{{Type: "aws_cloudwatch_log_group", Name: tf, Region: t.Region,
			Attrs: []TFAttr{str("name", name), TFAttr{Name: "retention_in_days", Value: ctyNumber(logRetentionDays)}}}},
	}, f)
	return a.arn("logs", t.Region, "log-group:"+name+":*"), "aws_cloudwatch_log_group." + tf + ".arn"
}

// cloudWatchRoleStep is the step creating the role CloudTrail assumes to
// write to the log groups; it returns the role's ARN.
func (a *accountFacts) cloudWatchRoleStep(f report.Finding) string {
	trust, pol := a.cloudWatchTrustPolicy(), a.cloudWatchRolePolicy()
	a.add(&Step{Key: "cloudwatch-role", Phase: PhaseCreate, Rank: 3, Resource: "arn:" + a.partition + ":iam::" + a.id + ":role/" + cloudWatchRole,
		Title:   "create IAM role " + cloudWatchRole + " for CloudTrail to write to CloudWatch Logs",
		Changes: "a new role that only CloudTrail of account " + a.id + " may assume, allowed to create log streams and put log events in the " + logGroupPrefix + "* log groups.",
		Cost:    costNone,
		Exists:  ptr(cmd("iam", "get-role", "", "--role-name", cloudWatchRole)),
		Create:  []Command{cmd("iam", "create-role", "", "--role-name", cloudWatchRole, "--assume-role-policy-document", trust)},
		Commands: []Command{cmd("iam", "put-role-policy", "", "--role-name", cloudWatchRole, "--policy-name", "cloudtrail-to-cloudwatch-logs",
			"--policy-document", pol)},
		Terraform: []*TFBlock{
			{Type: "aws_iam_role", Name: tfName(cloudWatchRole), Attrs: []TFAttr{str("name", cloudWatchRole), str("assume_role_policy", trust)}},
			{Type: "aws_iam_role_policy", Name: tfName(cloudWatchRole), Attrs: []TFAttr{str("name", "cloudtrail-to-cloudwatch-logs"),
				ref("role", "aws_iam_role."+tfName(cloudWatchRole)+".id"), str("policy", pol)}},
		},
	}, f)
	return "arn:" + a.partition + ":iam::" + a.id + ":role/" + cloudWatchRole
}

// topic is the step (re)creating SNS topic arn with a policy letting the
// trails that name it publish.
func (a *accountFacts) topic(arn string, f report.Finding) *Step {
	parts := strings.SplitN(arn, ":", 6)
	region, name := parts[3], parts[5]
	var trails []string
	for _, t := range a.sortedTrails() {
		if t.Topic == arn {
			trails = append(trails, t.ARN)
		}
	}
	pol := a.topicPolicy(arn, trails)
	return a.add(&Step{Key: "sns-topic:" + arn, Phase: PhaseCreate, Rank: 4, Region: region, Resource: arn,
		Title:   "create SNS topic " + name + " in " + region,
		Changes: "the SNS topic the trails name exists again (same ARN, no subscribers: subscribe whoever should hear of new log files), and CloudTrail may publish to it.",
		Cost:    costTopic,
		Exists:  ptr(cmd("sns", "get-topic-attributes", region, "--topic-arn", arn)),
		Create:  []Command{cmd("sns", "create-topic", region, "--name", name)},
		Commands: []Command{cmd("sns", "set-topic-attributes", region, "--topic-arn", arn, "--attribute-name", "Policy",
			"--attribute-value", pol)},
		Terraform: []*TFBlock{
			{Type: "aws_sns_topic", Name: tfName(name), Region: region, Attrs: []TFAttr{str("name", name)}},
			{Type: "aws_sns_topic_policy", Name: tfName(name), Region: region, Attrs: []TFAttr{
				ref("arn", "aws_sns_topic."+tfName(name)+".arn"), str("policy", pol)}},
		},
	}, f)
}

// bucketPolicy is the step giving trail bucket name the policy CloudTrail
// needs to deliver the log files of every trail that names it.
func (a *accountFacts) bucketPolicy(name, region string, trails []string, f report.Finding) *Step {
	pol := a.trailBucketPolicy(name, trails)
	return a.add(&Step{Key: "bucket-policy:" + name, Phase: PhaseBuckets, Region: region, Resource: "arn:" + a.partition + ":s3:::" + name,
		Title:   "let CloudTrail deliver to bucket " + name,
		Changes: "replaces the bucket policy of " + name + " with one letting CloudTrail check its ACL and write the log files of " + strings.Join(trails, ", ") + ".",
		Cost:    costNone,
		Notes: []string{"The policy is replaced, not merged: add any other statement of the current policy (aws s3api get-bucket-policy --bucket " +
			name + ") before running this step."},
		Commands:  []Command{cmd("s3api", "put-bucket-policy", region, "--bucket", name, "--policy", pol)},
		Terraform: []*TFBlock{{Type: "aws_s3_bucket_policy", Name: tfName(name), Region: region, Attrs: []TFAttr{str("bucket", name), str("policy", pol)}}},
	}, f)
}

func ptr(c Command) *Command { return &c }
