package scenario

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
)

// motoGap is one way moto 5.2.3 differs from AWS that the suite cannot seed
// around. motoGaps is the only place a test may differ on moto: a test it
// lists is skipped there, an assertion about a finding it lists is logged
// instead of failed; everything else must hold against moto as it holds
// against the emulator.
type motoGap struct {
	// ID names the gap in skip messages and in the tally.
	ID string
	// Moto is what moto does.
	Moto string
	// AWS is the AWS behaviour the gap stands for (what the rules follow).
	AWS string
	// Tests are the tests skipped on moto (a name, or a name/subtest):
	// what they assert rests on the gap.
	Tests []string
	// Findings are what may differ on moto: a rule id (its findings'
	// presence, status and reason) or "rule/evidence_key", in any test, or
	// only in one test when followed by "@TestName".
	Findings []string
}

// motoGaps is the reviewed table of moto's gaps.
var motoGaps = []motoGap{
	{
		ID:   "lookup-events",
		Moto: "CloudTrail LookupEvents is not implemented: every call answers HTTP 500",
		AWS: "LookupEvents returns the region's management events of the last 90 days, newest first, " +
			"50 a page, 2 requests a second per region",
		Tests: []string{"TestConfigChangesAlarmsOnEachChangeEvent", "TestConfigChangesSaysAttemptedForFailedCall",
			"TestConfigChangesIgnoresEventsOlderThanLookback", "TestConfigChangesHonoursConfiguredEventNames"},
		Findings: []string{"config_changes"},
	},
	{
		ID: "policy-status",
		Moto: "S3 GetBucketPolicyStatus is not implemented: ?policyStatus returns the bucket listing " +
			"(ListBucketResult), which the plugin refuses as malformed",
		AWS:      "GetBucketPolicyStatus answers <PolicyStatus><IsPublic>, whether the bucket policy makes the bucket public",
		Findings: []string{"bucket_not_public"},
	},
	{
		ID:       "mfa-delete",
		Moto:     "GetBucketVersioning never returns MFADelete; MFA Delete cannot be enabled",
		AWS:      "GetBucketVersioning returns MfaDelete Enabled or Disabled once versioning was configured with it (by the root user, with an MFA device)",
		Tests:    []string{"TestBucketMFADeleteOKWhenEnabled", "TestBucketMFADeleteAlarmTellsDisabledFromMissing"},
		Findings: []string{"bucket_mfa_delete"},
	},
	{
		ID: "delivery-status",
		Moto: "GetTrailStatus reports a successful S3 delivery at the moment of every call for a logging trail, " +
			"and never a CloudWatch Logs delivery, a notification or digest, or any delivery error",
		AWS: "GetTrailStatus reports when CloudTrail last delivered to S3, CloudWatch Logs, SNS and digests, " +
			"and the last error of each; a trail that never delivered has no LatestDeliveryTime",
		Tests: []string{"TestCloudWatchIntegrationOKWithRecentDelivery", "TestCloudWatchIntegrationAlarmsOnStaleDeliveryWhateverTheS3Time",
			"TestCloudWatchIntegrationAlarmsWhenNeverDelivered", "TestCloudWatchIntegrationAlarmsQuotingDeliveryError",
			"TestCloudWatchIntegrationSaysNotLoggingForStoppedTrail", "TestCloudWatchIntegrationOKJustInsideThe24HourWindow",
			"TestCloudWatchIntegrationAlarmsJustOutsideThe24HourWindow", "TestDeliveryFailingOKForHealthyTrail",
			"TestDeliveryFailingOKForQuietTrailWithoutRecentDelivery", "TestDeliveryFailingAlarmsQuotingS3DeliveryError",
			"TestDeliveryFailingAlarmsOnNotificationError", "TestDeliveryFailingAlarmsOnDigestError",
			"TestNeverDeliveredTrailHasNullDeliveryTime", "TestDemoAccountShowsItsDeliberateMistakes"},
		Findings: []string{"cloudwatch_integration@TestCleanAccountHasNoAlarmAndNoError",
			"delivery_failing@TestBadAccountAlarmsEveryRule"},
	},
	{
		ID:       "default-selectors",
		Moto:     "GetEventSelectors returns no selectors for a trail never given any",
		AWS:      "a trail created without selectors has the default classic selector: all management events, ReadWriteType All",
		Tests:    []string{"TestManagementEventsOKForDefaultSelectors"},
		Findings: []string{"multi_region/read_write_type"},
	},
	{
		ID: "access-denied",
		Moto: "moto's server grants every call (IAM, bucket, key and topic policies are not enforced), " +
			"so no read can be made to answer AccessDenied",
		AWS: "a call the caller's policies do not allow answers the service's access-denied error " +
			"(AccessDenied, AccessDeniedException, AuthorizationError)",
		Tests: []string{"TestDenyingAnyReadActionNeverYieldsOK", "TestOrganizationDenyMatrixNeverReportsOK",
			"TestBucketAccessLoggingErrorsWhenOwnBucketDenied", "TestBucketMFADeleteErrorsWhenVersioningDenied",
			"TestBucketNotPublicErrorsWhenPolicyStatusDenied", "TestCloudWatchIntegrationErrorsWhenStatusDenied",
			"TestConfigChangesErrorWhenLookupEventsDenied", "TestDataEventsErrorsWhenSelectorsDenied",
			"TestDeliveryFailingErrorsWhenStatusDenied", "TestGlobalServicesErrorsWhenStatusDenied",
			"TestKMSEncryptionInfoWhenDescribeKeyDenied", "TestManagementEventsErrorsWhenSelectorsDenied",
			"TestMultiRegionErrorsWhenTrailsCannotBeListed", "TestSNSTopicExistsErrorsWhenOwnTopicDenied"},
	},
	{
		ID: "cross-account",
		Moto: "one account never reaches another's resources: DescribeKey of another account's key answers " +
			"NotFoundException, and CreateTrail finds an SNS topic only by name in its own account and region " +
			"(a topic ARN, as workload W1 gives for its trails outside the topic's region, is refused with " +
			"InsufficientSnsTopicPolicyException)",
		AWS: "a key, topic or bucket policy lets a trail of another account use it; SnsTopicName takes a topic's name or its ARN",
		Tests: []string{"TestKMSEncryptionInfoForAnotherAccountsKey", "TestSNSTopicExistsSkipsAnotherAccountsTopic",
			"TestBucketRulesSkipAnotherAccountsBucket", "TestMultiRegionInfoWhenOnlyMultiRegionTrailIsAnotherAccountsUnreadable",
			"TestWorkloadW1SeedsThreeTrailsTwoBucketsOneTopic"},
	},
	{
		ID: "org-trail-shadows",
		Moto: "an organization trail has no shadow copy in the member accounts, and the organization's " +
			"member roles are not set up by CreateAccount",
		AWS: "an organization trail appears in every member account's DescribeTrails, owned by the management account; " +
			"members created by Organizations have OrganizationAccountAccessRole",
		Tests: []string{"TestOrganizationJudgesTheCentralBucketOnceInTheLogArchiveAccount",
			"TestOrganizationTrailOfAnotherAccountIsSkippedNamingItsOwner", "TestMultiRegionOKForOrganizationTrailWithReadableStatus",
			"TestDuplicateGlobalEventsCountsOrganizationTrail"},
	},
	{
		ID: "describe-regions",
		Moto: "DescribeRegions also lists the cn-* and us-gov-* regions of other partitions and opt-in regions not opted in, " +
			"and accepts trails in every one of them",
		AWS:   "DescribeRegions lists the partition's regions; a region not opted in refuses the calls a trail needs",
		Tests: []string{"TestWorkloadW2SeedsFortyTrailsThirtyBuckets"},
	},
}

// gapForTest returns the gap that lists the test (or its parent), nil if none.
func gapForTest(name string) *motoGap {
	top, _, _ := strings.Cut(name, "/")
	for i := range motoGaps {
		if slices.Contains(motoGaps[i].Tests, name) || slices.Contains(motoGaps[i].Tests, top) {
			return &motoGaps[i]
		}
	}
	return nil
}

// gapForFinding returns the gap that lets key (a rule id or
// "rule/evidence_key") differ in test, nil if none.
func gapForFinding(key, test string) *motoGap {
	top, _, _ := strings.Cut(test, "/")
	for i := range motoGaps {
		if slices.Contains(motoGaps[i].Findings, key) || slices.Contains(motoGaps[i].Findings, key+"@"+top) {
			return &motoGaps[i]
		}
	}
	return nil
}

// skipIfMotoGap skips the test on moto when a gap lists it.
func (e *env) skipIfMotoGap() {
	e.t.Helper()
	if g := gapForTest(e.t.Name()); g != nil {
		tally.record(e.t.Name(), "skip-by-table "+g.ID)
		e.t.Skipf("moto gap %q: moto: %s; AWS: %s", g.ID, g.Moto, g.AWS)
	}
}

// failf fails the test with an assertion about key (a rule id or
// "rule/evidence_key"), unless the endpoint is moto and a gap lets key
// differ: then the difference is logged and counted.
func (e *env) failf(key, format string, args ...any) {
	e.t.Helper()
	if e.moto {
		if g := gapForFinding(key, e.t.Name()); g != nil {
			tally.record(e.t.Name(), "excused "+g.ID)
			e.t.Logf("moto gap %q excuses: "+format, append([]any{g.ID}, args...)...)
			return
		}
	}
	e.t.Errorf(format, args...)
}

// tally is what each test came to on this run, and which gaps excused what.
var tally = &outcomes{byTest: map[string][]string{}}

// outcomes records per test how the gaps applied.
type outcomes struct {
	mu     sync.Mutex
	byTest map[string][]string
}

func (o *outcomes) record(test, what string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !slices.Contains(o.byTest[test], what) {
		o.byTest[test] = append(o.byTest[test], what)
	}
}

// finish records how a test ended (called from its cleanup).
func (o *outcomes) finish(test string, failed, skipped bool) {
	switch {
	case failed:
		o.record(test, "FAIL")
	case skipped:
		o.mu.Lock()
		if len(o.byTest[test]) == 0 {
			o.byTest[test] = []string{"skip"}
		}
		o.mu.Unlock()
	default:
		o.record(test, "pass")
	}
}

// printTally writes one line per test and the gaps' totals; it returns the
// ids of the gaps that excused nothing on a run of the whole suite on moto.
func printTally(w io.Writer) (unused []string) {
	tally.mu.Lock()
	defer tally.mu.Unlock()
	names := make([]string, 0, len(tally.byTest))
	for n := range tally.byTest {
		names = append(names, n)
	}
	sort.Strings(names)
	count := map[string]int{}
	for _, n := range names {
		fmt.Fprintf(w, "  %-90s %s\n", n, strings.Join(tally.byTest[n], ", "))
		for _, what := range tally.byTest[n] {
			count[what]++
		}
	}
	fmt.Fprintf(w, "tally: %d tests: %d pass (%d of them with excused findings), %d skip-by-table, %d skip, %d FAIL\n",
		len(names), count["pass"], excusedPasses(), countPrefix(count, "skip-by-table "), count["skip"], count["FAIL"])
	if motoURL == "" {
		return nil
	}
	runAll := flag.Lookup("test.run") == nil || flag.Lookup("test.run").Value.String() == ""
	for _, g := range motoGaps {
		n := count["skip-by-table "+g.ID] + count["excused "+g.ID]
		fmt.Fprintf(w, "  gap %-18s %d tests\n", g.ID, n)
		if n == 0 && runAll {
			fmt.Fprintf(w, "  gap %s excused nothing\n", g.ID)
			unused = append(unused, g.ID)
		}
	}
	return unused
}

// excusedPasses counts the passing tests that had excused findings (tally.mu held).
func excusedPasses() int {
	n := 0
	for _, whats := range tally.byTest {
		if slices.Contains(whats, "pass") && slices.ContainsFunc(whats, func(s string) bool { return strings.HasPrefix(s, "excused ") }) {
			n++
		}
	}
	return n
}

func countPrefix(count map[string]int, prefix string) int {
	n := 0
	for k, v := range count {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}
