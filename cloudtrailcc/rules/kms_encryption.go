package rules

import "github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"

// kmsEncryption is rule 9: SSE-KMS encryption of log files with a usable key.
var kmsEncryption = &Rule{
	ID:             "kms_encryption",
	Title:          "Enable AWS CloudTrail log files encryption",
	ConformityID:   "CT-008",
	ConformityRisk: "Medium",
	Description: "Checks that each trail encrypts its log files with a KMS key (KmsKeyId, SSE-KMS) rather than S3-managed " +
		"keys only, and that the key is usable: kms:DescribeKey showing it disabled or pending deletion means CloudTrail " +
		"can no longer deliver logs. A key in another account, or one this account may not describe, is reported as " +
		"info: its state cannot be verified.",
	Severity:   SeverityMedium,
	Scope:      ScopeTrail,
	IAMActions: []string{"ec2:DescribeRegions", "cloudtrail:DescribeTrails", "kms:DescribeKey"},
	Remediation: "Create a symmetric KMS key whose key policy lets cloudtrail.amazonaws.com encrypt (GenerateDataKey*) " +
		"and your readers decrypt, then set it on the trail; if the key is disabled or pending deletion, enable it or " +
		"cancel the deletion.",
	RemediationCLI: "aws cloudtrail update-trail --name TRAIL_NAME --kms-key-id KMS_KEY_ARN",
	Related:        []string{"AWS Security Hub CloudTrail.2", "CIS AWS Foundations 3.5 (v3-v5) / 4.5 (v6-v7)"},
	References: []string{
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html",
		"https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html",
		"https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html",
	},
	Needs: snapshot.NeedTrails | snapshot.NeedKeys,
	eval:  evalKMSEncryption,
}

func evalKMSEncryption(c *evalCtx) {
	c.forEachTrail(func(t *snapshot.Trail) {
		ev := trailEvidence(t)
		ev["kms_key_id"] = t.KmsKeyID
		label := c.trailLabel(t)
		if t.KmsKeyID == "" {
			c.alarm(t.ARN, t.HomeRegion, label+" log files are encrypted with SSE-S3 only (no KmsKeyId)", ev)
			return
		}
		k := c.acct.Keys[t.KmsKeyID]
		var kerr *snapshot.ReadError
		if k != nil {
			kerr = k.Err
		}
		err := c.factErr(snapshot.NeedKeys, "kms:DescribeKey", k != nil, kerr)
		keyAccount := arnAccount(t.KmsKeyID)
		if k != nil && k.AccountID != "" {
			keyAccount = k.AccountID
		}
		ev["key_account_id"] = keyAccount
		// A key of another audited account is read with its owner's
		// credentials: a failure to read it is an error, as for our own.
		ownerRead, ownerFailed := c.auditedOwner(keyAccount)
		foreign := keyAccount != "" && keyAccount != c.acct.AccountID && !ownerRead
		encrypted := label + " is encrypted with " + t.KmsKeyID
		if err != nil {
			ev["error"] = errEvidence(err)
			switch {
			case ownerFailed != nil && keyAccount != c.acct.AccountID:
				ev["key_account_error"] = errEvidence(ownerFailed.Err)
				c.emit(StatusError, t.ARN, t.HomeRegion, encrypted+"; its state could not be read ("+describeErr(err)+
					") and "+failureReason(*ownerFailed), ev)
			case k == nil && foreign && c.acct.Loaded.Has(snapshot.NeedKeys):
				c.info(t.ARN, t.HomeRegion, encrypted+"; key state not verifiable: the key belongs to account "+keyAccount+" and was not described", ev)
			case err.Code != codeNotRead && (foreign || isDenied(err)):
				c.info(t.ARN, t.HomeRegion, encrypted+"; key state not verifiable: "+describeErr(err), ev)
			case isNotFound(err):
				c.alarm(t.ARN, t.HomeRegion, encrypted+", but the key does not exist ("+describeErr(err)+"): logs cannot be delivered", ev)
			default:
				c.readError(t.ARN, t.HomeRegion, "the state of KMS key "+t.KmsKeyID+" used by "+label, err, ev)
			}
			return
		}
		state := k.State
		if state == "" && k.Enabled {
			state = "Enabled"
		}
		ev["key_state"] = state
		ev["key_enabled"] = k.Enabled
		if state == "Enabled" {
			c.ok(t.ARN, t.HomeRegion, encrypted+" (key state Enabled)", ev)
			return
		}
		c.alarm(t.ARN, t.HomeRegion, encrypted+", but the key state is "+orNone(state)+": CloudTrail cannot encrypt and deliver log files", ev)
	})
}
