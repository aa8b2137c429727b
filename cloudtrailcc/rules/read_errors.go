package rules

// Read errors as rules see them: facts absent from the snapshot, their
// wording in reasons and evidence, and what their class means to a rule.

import "github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"

// codeNotRead is the error code of a fact that was not read into the snapshot.
const codeNotRead = "NotRead"

// notRead is the error of a fact that is absent from the snapshot.
func notRead(action string) *snapshot.ReadError {
	return snapshot.NewReadError(action, codeNotRead, "the fact was not read into this snapshot")
}

// factErr returns nil when a fact is usable; otherwise its read error, or a
// NotRead error when it was not loaded or is absent.
func (c *evalCtx) factErr(need snapshot.Need, action string, present bool, err *snapshot.ReadError) *snapshot.ReadError {
	switch {
	case err != nil:
		return err
	case !c.acct.Loaded.Has(need) || !present:
		return notRead(action)
	}
	return nil
}

// describeErr names the action and the error code of a failed read.
func describeErr(err *snapshot.ReadError) string {
	switch {
	case err == nil:
		return "unknown error"
	case err.Code == codeNotRead:
		return err.Action + " was not called for this report (" + codeNotRead + ")"
	case err.Code == "":
		return err.Action + " failed: " + err.Message
	}
	return err.Action + " failed with " + err.Code
}

// errEvidence is a read error as evidence.
func errEvidence(err *snapshot.ReadError) map[string]any {
	if err == nil {
		return nil
	}
	ev := map[string]any{"action": err.Action, "code": err.Code, "message": err.Message, "class": string(err.Class)}
	if err.Ignored != "" {
		ev["ignored_by"] = err.Ignored
	}
	return ev
}

// The rules read an error's class, decided once when the error was
// recorded (snapshot.ClassOf), never its code.

// isUnreadableForeign reports whether err on another account's resource
// means "only its owner may read it" (denied, not found or rejected as
// invalid, as TrailNotFound and CloudTrailARNInvalid are) rather than a
// failure to report.
func isUnreadableForeign(err *snapshot.ReadError) bool {
	if err == nil || err.Code == codeNotRead {
		return false
	}
	switch err.Class {
	case snapshot.ClassAccessDenied, snapshot.ClassNotFound, snapshot.ClassInvalid:
		return true
	}
	return false
}

// isNotFound reports whether err says the resource does not exist.
func isNotFound(err *snapshot.ReadError) bool {
	return err != nil && err.Class == snapshot.ClassNotFound
}

// isDenied reports whether err is an access denial.
func isDenied(err *snapshot.ReadError) bool {
	return err != nil && err.Class == snapshot.ClassAccessDenied
}
