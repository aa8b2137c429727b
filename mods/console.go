package mods

// consoleSteps are the steps of each rule's fix in the AWS Management
// Console, written from AWS's console documentation (CloudTrail User Guide
// "Updating a trail with the CloudTrail console", "Creating a trail",
// "Sending events to CloudWatch Logs"; Amazon S3 User Guide "Enabling
// Amazon S3 server access logging", "Configuring block public access
// settings for your S3 buckets", "Controlling ownership of objects",
// "Configuring MFA delete"). Each is Markdown: a numbered list, with what
// the console cannot do said where it cannot.
var consoleSteps = map[string]string{
	"bucket_access_logging": `1. Open the [Amazon S3 console](https://console.aws.amazon.com/s3/home) and choose (or create) the bucket that is to receive the access logs: a different bucket from the trail's, in the same Region and account.
2. In **Buckets**, choose the trail's bucket and open the **Properties** tab.
3. Under **Server access logging**, choose **Edit**, then **Enable**.
4. For **Destination**, choose **Browse S3**, pick the log bucket and, optionally, a prefix such as ` + "`cloudtrail-bucket-logs/`" + `.
5. Choose **Save changes**. The console adds the permission for ` + "`logging.s3.amazonaws.com`" + ` to the destination bucket's policy.`,

	"bucket_mfa_delete": `MFA Delete cannot be turned on in the console: the [Amazon S3 console](https://console.aws.amazon.com/s3/home) only shows it.

1. In the Amazon S3 console, choose the trail's bucket, open **Properties** and check **Bucket Versioning**: versioning must be **Enabled**, and **Multi-factor authentication (MFA) delete** shows whether MFA Delete is on.
2. Sign in as the account's root user and, in **Security credentials**, note the serial number (ARN) of the root user's MFA device.
3. Enable MFA Delete with the AWS CLI command below, run with the root user's access keys and a current code from that device; delete the root access keys afterwards.`,

	"bucket_not_public": `1. Open the [Amazon S3 console](https://console.aws.amazon.com/s3/home), choose the trail's bucket and open the **Permissions** tab.
2. Under **Block public access (bucket settings)**, choose **Edit**, select **Block all public access** (all four settings) and choose **Save changes**, then type ` + "`confirm`" + `.
3. Under **Object Ownership**, choose **Edit**, select **ACLs disabled (recommended)** (Bucket owner enforced) and save: grants in the bucket ACL then no longer apply.
4. Under **Bucket policy**, choose **Edit** and remove any statement whose principal is ` + "`*`" + ` without a condition that limits it (keep the statements that let ` + "`cloudtrail.amazonaws.com`" + ` write the logs).
5. To protect every bucket of the account at once, choose **Block Public Access settings for this account** in the navigation pane and turn on all four settings there.`,

	"cloudwatch_integration": `1. Open the [AWS CloudTrail console](https://console.aws.amazon.com/cloudtrail/home#/trails), choose **Trails** in the navigation pane and choose the trail's name.
2. Under **CloudWatch Logs**, choose **Edit** and select **Enabled**.
3. For **Log group**, choose **New** and enter a name, or **Existing** and choose a log group; for **IAM Role**, choose **New** and enter a role name (the console creates it with the ` + "`logs:CreateLogStream`" + ` and ` + "`logs:PutLogEvents`" + ` permissions CloudTrail needs) or choose an existing role that has them.
4. Choose **Save changes**. A few minutes later, the trail's **CloudWatch Logs** section shows the latest delivery to the log group.`,

	"config_changes": `1. Open the [AWS CloudTrail console](https://console.aws.amazon.com/cloudtrail/home#/events) and choose **Event history** in the navigation pane.
2. For **Lookup attributes**, choose **Event source** and enter ` + "`cloudtrail.amazonaws.com`" + `; set the time range to the finding's window.
3. Choose an event to see who made it (**User name**, **AWS access key**), from where (**Source IP address**) and, in **Event record**, the request parameters.
4. For an unexpected change, restore the trail: choose **Trails**, choose the trail, and choose **Start logging** or **Edit** the changed setting back; then rotate or disable the credentials that made it.
5. To be alerted next time, create an Amazon EventBridge rule (EventBridge console, **Rules**, **Create rule**) with event source **AWS services**, service **CloudTrail**, event type **AWS API Call via CloudTrail**, and an SNS topic as target.`,

	"data_events": `1. Open the [AWS CloudTrail console](https://console.aws.amazon.com/cloudtrail/home#/trails), choose **Trails** and choose the trail's name.
2. Under **Data events**, choose **Edit**, then select **Data events**.
3. For **Resource type**, choose **S3**; for **Log selector template**, choose **Log all events** (read and write), or a custom template limited to the buckets to watch.
4. Choose **Save changes**. Data events are charged per event: see the CloudTrail pricing page before logging every bucket.`,

	"delivery_failing": `1. Open the [AWS CloudTrail console](https://console.aws.amazon.com/cloudtrail/home#/trails), choose **Trails** and choose the trail's name; the **General details** section and the error banner show the last delivery error.
2. For an S3 error, open the [Amazon S3 console](https://console.aws.amazon.com/s3/home), check that the bucket exists, and on its **Permissions** tab check that the **Bucket policy** lets ` + "`cloudtrail.amazonaws.com`" + ` call ` + "`s3:GetBucketAcl`" + ` and ` + "`s3:PutObject`" + ` on the trail's prefix.
3. For a KMS error, open the [AWS KMS console](https://console.aws.amazon.com/kms/home), choose the trail's key and check that it is enabled and that its **Key policy** lets ` + "`cloudtrail.amazonaws.com`" + ` use it.
4. For an SNS error, open the [Amazon SNS console](https://console.aws.amazon.com/sns/v3/home), choose the topic and check that its **Access policy** lets ` + "`cloudtrail.amazonaws.com`" + ` publish.
5. Back on the trail's page, check after a few minutes that the latest delivery time moves and the error is gone.`,

	"duplicate_global_events": `The console cannot change whether a trail includes global service events: it turns them on for every trail it creates.

1. Open the [AWS CloudTrail console](https://console.aws.amazon.com/cloudtrail/home#/trails) and choose **Trails** to list the trails; keep global service events on one of them, normally the multi-Region trail.
2. Turn them off on the others with the AWS CLI command below (` + "`--no-include-global-service-events`" + `), run in each trail's home Region.`,

	"global_services": `1. Open the [AWS CloudTrail console](https://console.aws.amazon.com/cloudtrail/home#/trails) and choose **Trails**.
2. If no logging multi-Region trail exists, choose **Create trail**: every trail the console creates is multi-Region and records global service events such as IAM and AWS STS calls. Choose the trail's storage location, choose **Next**, keep **Management events** (Read and Write) selected and create the trail.
3. If the multi-Region trail is stopped, choose its name and choose **Start logging**.
4. A single-Region trail cannot be made to include global service events in the console: use the AWS CLI command below.`,

	"kms_encryption": `1. Open the [AWS CloudTrail console](https://console.aws.amazon.com/cloudtrail/home#/trails), choose **Trails** and choose the trail's name.
2. Under **General details**, choose **Edit**.
3. For **Log file SSE-KMS encryption**, select **Enabled**.
4. For **AWS KMS customer managed key**, choose **New** and enter an alias (the console creates the key with a policy that lets CloudTrail use it), or choose **Existing** and pick a key whose policy already allows ` + "`cloudtrail.amazonaws.com`" + ` to call ` + "`kms:GenerateDataKey*`" + `.
5. Choose **Save changes**. Anyone who reads the log files then also needs ` + "`kms:Decrypt`" + ` on the key.`,

	"log_file_validation": `1. Open the [AWS CloudTrail console](https://console.aws.amazon.com/cloudtrail/home#/trails), choose **Trails** and choose the trail's name.
2. Under **General details**, choose **Edit**.
3. Under **Additional settings**, select **Enabled** for **Log file validation**.
4. Choose **Save changes**. CloudTrail delivers a digest file every hour from then on; check the delivered logs with ` + "`aws cloudtrail validate-logs`" + `.`,

	"management_events": `1. Open the [AWS CloudTrail console](https://console.aws.amazon.com/cloudtrail/home#/trails), choose **Trails** and choose the trail's name.
2. Under **Management events**, choose **Edit**.
3. Select **Management events**, and under **API activity** select both **Read** and **Write**.
4. Clear **Exclude AWS KMS events** and **Exclude Amazon RDS Data API events**, so no event source is left out.
5. Choose **Save changes**.`,

	"multi_region": `1. Open the [AWS CloudTrail console](https://console.aws.amazon.com/cloudtrail/home#/trails) and choose **Trails**.
2. To add a multi-Region trail, choose **Create trail**: every trail the console creates is multi-Region. Enter a name, choose the S3 bucket (and, optionally, KMS encryption and CloudWatch Logs), choose **Next**, keep **Management events** with **Read** and **Write** selected, choose **Next** and **Create trail**.
3. If a multi-Region trail exists but is stopped, choose its name and choose **Start logging**.
4. An existing single-Region trail cannot be made multi-Region in the console: use the AWS CLI command below.`,

	"sns_topic_exists": `1. Open the [AWS CloudTrail console](https://console.aws.amazon.com/cloudtrail/home#/trails), choose **Trails** and choose the trail's name.
2. Under **General details**, choose **Edit**.
3. Under **Additional settings**, select **Enabled** for **SNS notification delivery**, then choose **New** and enter a topic name (the console creates the topic with a policy that lets CloudTrail publish), or **Existing** and choose a topic that exists.
4. Choose **Save changes**. If the trail named a topic that was deleted, this replaces it; subscribe the people or systems that need the notifications in the [Amazon SNS console](https://console.aws.amazon.com/sns/v3/home).`,
}
