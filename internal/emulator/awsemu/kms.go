package awsemu

import (
	"slices"
	"strings"
	"time"
)

// kmsKey is one KMS key.
type kmsKey struct {
	ARN, ID, Account, Region string
	Description              string
	State                    string // Enabled, Disabled, PendingDeletion
	Created, DeletionDate    time.Time
	RotationDays             int // automatic rotation period; 0 = rotation off
}

func (s *Server) kmsOps() map[string]handlerFunc {
	return map[string]handlerFunc{
		"CreateKey":            s.createKey,
		"DescribeKey":          s.describeKey,
		"CreateAlias":          s.createAlias,
		"DisableKey":           s.keyStateOp("Disabled"),
		"EnableKey":            s.keyStateOp("Enabled"),
		"ScheduleKeyDeletion":  s.scheduleKeyDeletion,
		"CancelKeyDeletion":    s.cancelKeyDeletion,
		"EnableKeyRotation":    s.enableKeyRotation,
		"DisableKeyRotation":   s.disableKeyRotation,
		"GetKeyRotationStatus": s.getKeyRotationStatus,
		"ListKeys":             s.listKeys,
		"ListAliases":          s.listAliases,
	}
}

type keyMetadataJSON struct {
	AWSAccountId          string     `json:"AWSAccountId"`
	KeyId                 string     `json:"KeyId"`
	Arn                   string     `json:"Arn"`
	CreationDate          *epochTime `json:"CreationDate"`
	Enabled               bool       `json:"Enabled"`
	Description           string     `json:"Description"`
	KeyUsage              string     `json:"KeyUsage"`
	KeyState              string     `json:"KeyState"`
	DeletionDate          *epochTime `json:"DeletionDate,omitempty"`
	Origin                string     `json:"Origin"`
	KeyManager            string     `json:"KeyManager"`
	CustomerMasterKeySpec string     `json:"CustomerMasterKeySpec"`
	KeySpec               string     `json:"KeySpec"`
	EncryptionAlgorithms  []string   `json:"EncryptionAlgorithms"`
	MultiRegion           bool       `json:"MultiRegion"`
}

func (k *kmsKey) metadata() map[string]any {
	return map[string]any{"KeyMetadata": keyMetadataJSON{
		AWSAccountId: k.Account, KeyId: k.ID, Arn: k.ARN, CreationDate: epoch(k.Created),
		Enabled: k.State == "Enabled", Description: k.Description, KeyUsage: "ENCRYPT_DECRYPT",
		KeyState: k.State, DeletionDate: epoch(k.DeletionDate), Origin: "AWS_KMS", KeyManager: "CUSTOMER",
		CustomerMasterKeySpec: "SYMMETRIC_DEFAULT", KeySpec: "SYMMETRIC_DEFAULT",
		EncryptionAlgorithms: []string{"SYMMETRIC_DEFAULT"},
	}}
}

func (s *Server) createKey(q *request) (any, *apiError) {
	var in struct{ Description string }
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	id := newRequestID()
	k := &kmsKey{
		ARN: "arn:aws:kms:" + q.region + ":" + q.account + ":key/" + id, ID: id,
		Account: q.account, Region: q.region, Description: in.Description, State: "Enabled", Created: q.now,
	}
	s.st.lock(func() { s.st.keys[k.ARN] = k })
	return k.metadata(), nil
}

// resolveKey finds a key by id, key ARN, alias/NAME or alias ARN. Keys of
// another account are found only when foreign is true (CloudTrail may use
// them; DescribeKey answers AccessDeniedException). State must be locked.
func (s *Server) resolveKey(account, region, ref string, foreign bool) (*kmsKey, *apiError) {
	notFound := newErr("NotFoundException", "Key '"+ref+"' does not exist")
	arn := ref
	switch {
	case strings.HasPrefix(ref, "arn:"):
		a, ok := parseARN(ref)
		if !ok || a.Service != "kms" {
			return nil, newErr("NotFoundException", "Invalid arn "+ref)
		}
		if a.Account != account && !foreign {
			return nil, newErr("AccessDeniedException", "User: "+callerARN(account)+" is not authorized to perform: kms:DescribeKey on resource: "+ref+" because no resource-based policy allows the kms:DescribeKey action")
		}
		if a.Region != region && !foreign {
			return nil, newErr("NotFoundException", "Invalid arn "+a.Region)
		}
	case strings.HasPrefix(ref, "alias/"):
		arn = "arn:aws:kms:" + region + ":" + account + ":" + ref
	default:
		arn = "arn:aws:kms:" + region + ":" + account + ":key/" + ref
	}
	if strings.Contains(arn, ":alias/") {
		target, ok := s.st.aliases[arn]
		if !ok {
			return nil, newErr("NotFoundException", "Alias "+arn+" is not found.")
		}
		arn = target
	}
	k := s.st.keys[arn]
	if k == nil {
		return nil, notFound
	}
	return k, nil
}

// withKey resolves {"KeyId": ...} in the caller's account and runs fn locked.
func (s *Server) withKey(q *request, fn func(k *kmsKey) (any, *apiError)) (any, *apiError) {
	var in struct {
		KeyId               string
		PendingWindowInDays *int
	}
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	return s.locked(func() (any, *apiError) {
		k, aerr := s.resolveKey(q.account, q.region, in.KeyId, false)
		if aerr != nil {
			return nil, aerr
		}
		return fn(k)
	})
}

func (s *Server) describeKey(q *request) (any, *apiError) {
	return s.withKey(q, func(k *kmsKey) (any, *apiError) { return k.metadata(), nil })
}

func invalidKeyState(k *kmsKey) *apiError {
	return newErr("KMSInvalidStateException", k.ARN+" is pending deletion.")
}

func (s *Server) keyStateOp(state string) handlerFunc {
	return func(q *request) (any, *apiError) {
		return s.withKey(q, func(k *kmsKey) (any, *apiError) {
			if k.State == "PendingDeletion" {
				return nil, invalidKeyState(k)
			}
			k.State = state
			return struct{}{}, nil
		})
	}
}

func (s *Server) scheduleKeyDeletion(q *request) (any, *apiError) {
	var in struct{ PendingWindowInDays *int }
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	days := 30
	if in.PendingWindowInDays != nil {
		days = *in.PendingWindowInDays
	}
	if days < 7 || days > 30 {
		return nil, newErr("ValidationException", "PendingWindowInDays must be between 7 and 30.")
	}
	return s.withKey(q, func(k *kmsKey) (any, *apiError) {
		if k.State == "PendingDeletion" {
			return nil, invalidKeyState(k)
		}
		k.State = "PendingDeletion"
		k.DeletionDate = q.now.Add(time.Duration(days) * 24 * time.Hour)
		return map[string]any{"KeyId": k.ARN, "DeletionDate": epoch(k.DeletionDate), "KeyState": k.State, "PendingWindowInDays": days}, nil
	})
}

func (s *Server) cancelKeyDeletion(q *request) (any, *apiError) {
	return s.withKey(q, func(k *kmsKey) (any, *apiError) {
		if k.State != "PendingDeletion" {
			return nil, newErr("KMSInvalidStateException", k.ARN+" is not pending deletion.")
		}
		k.State, k.DeletionDate = "Disabled", time.Time{}
		return map[string]any{"KeyId": k.ARN}, nil
	})
}

func (s *Server) createAlias(q *request) (any, *apiError) {
	var in struct{ AliasName, TargetKeyId string }
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	if !strings.HasPrefix(in.AliasName, "alias/") || strings.HasPrefix(in.AliasName, "alias/aws/") || len(in.AliasName) <= len("alias/") {
		return nil, newErr("ValidationException", "Alias must start with the prefix \"alias/\" and must not use the reserved prefix \"alias/aws/\".")
	}
	return s.locked(func() (any, *apiError) {
		k, aerr := s.resolveKey(q.account, q.region, in.TargetKeyId, false)
		if aerr != nil {
			return nil, aerr
		}
		arn := "arn:aws:kms:" + q.region + ":" + q.account + ":" + in.AliasName
		if _, exists := s.st.aliases[arn]; exists {
			return nil, newErr("AlreadyExistsException", "An alias with the name "+arn+" already exists")
		}
		s.st.aliases[arn] = k.ARN
		return struct{}{}, nil
	})
}

// defaultRotationDays is KMS's rotation period when EnableKeyRotation gives
// none.
const defaultRotationDays = 365

// rotatable refuses rotation changes on a key that is not enabled, as KMS
// does.
func rotatable(k *kmsKey) *apiError {
	switch k.State {
	case "Disabled":
		return newErr("DisabledException", k.ARN+" is disabled.")
	case "PendingDeletion":
		return invalidKeyState(k)
	}
	return nil
}

func (s *Server) enableKeyRotation(q *request) (any, *apiError) {
	var in struct{ RotationPeriodInDays *int }
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	days := defaultRotationDays
	if in.RotationPeriodInDays != nil {
		days = *in.RotationPeriodInDays
	}
	if days < 90 || days > 2560 {
		return nil, newErr("ValidationException", "1 validation error detected: Value '"+itoa(days)+"' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value between 90 and 2560")
	}
	return s.withKey(q, func(k *kmsKey) (any, *apiError) {
		if e := rotatable(k); e != nil {
			return nil, e
		}
		k.RotationDays = days
		return struct{}{}, nil
	})
}

func (s *Server) disableKeyRotation(q *request) (any, *apiError) {
	return s.withKey(q, func(k *kmsKey) (any, *apiError) {
		if e := rotatable(k); e != nil {
			return nil, e
		}
		k.RotationDays = 0
		return struct{}{}, nil
	})
}

// getKeyRotationStatus answers the rotation flag, and the period while
// rotation is on.
func (s *Server) getKeyRotationStatus(q *request) (any, *apiError) {
	return s.withKey(q, func(k *kmsKey) (any, *apiError) {
		if k.State == "PendingDeletion" {
			return nil, invalidKeyState(k)
		}
		out := map[string]any{"KeyId": k.ARN, "KeyRotationEnabled": k.RotationDays > 0}
		if k.RotationDays > 0 {
			out["RotationPeriodInDays"] = k.RotationDays
		}
		return out, nil
	})
}

// kmsPage reads Limit (1 to 1000, default 100) and Marker and cuts the page
// out of items into out["Truncated"], out["NextMarker"] and the returned
// slice.
func kmsPage[T any](q *request, items []T, out map[string]any) ([]T, *apiError) {
	var in struct {
		Limit  *int
		Marker string
	}
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	limit := 100
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 1000 {
			return nil, newErr("ValidationException", "1 validation error detected: Value '"+itoa(*in.Limit)+"' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000")
		}
		limit = *in.Limit
	}
	page, next, ok := pageOf(items, in.Marker, limit)
	if !ok {
		return nil, newErr("InvalidMarkerException", "Invalid marker.")
	}
	out["Truncated"] = next != ""
	if next != "" {
		out["NextMarker"] = next
	}
	return page, nil
}

// listKeys lists the caller's keys of the region (pending deletion
// included, as KMS does).
func (s *Server) listKeys(q *request) (any, *apiError) {
	var keys []*kmsKey
	s.st.lock(func() {
		for _, k := range s.st.keys {
			if k.Account == q.account && k.Region == q.region {
				keys = append(keys, k)
			}
		}
	})
	slices.SortFunc(keys, func(a, b *kmsKey) int { return strings.Compare(a.ARN, b.ARN) })
	out := map[string]any{}
	page, aerr := kmsPage(q, keys, out)
	if aerr != nil {
		return nil, aerr
	}
	list := []map[string]string{}
	for _, k := range page {
		list = append(list, map[string]string{"KeyId": k.ID, "KeyArn": k.ARN})
	}
	out["Keys"] = list
	return out, nil
}

// listAliases lists the caller's aliases of the region, or those of one key
// (KeyId).
func (s *Server) listAliases(q *request) (any, *apiError) {
	var in struct{ KeyId string }
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	type alias struct{ arn, target string }
	var aliases []alias
	var aerr *apiError
	s.st.lock(func() {
		only := ""
		if in.KeyId != "" {
			k, e := s.resolveKey(q.account, q.region, in.KeyId, false)
			if e != nil {
				aerr = e
				return
			}
			only = k.ARN
		}
		prefix := "arn:aws:kms:" + q.region + ":" + q.account + ":alias/"
		for arn, target := range s.st.aliases {
			if strings.HasPrefix(arn, prefix) && (only == "" || target == only) {
				aliases = append(aliases, alias{arn, target})
			}
		}
	})
	if aerr != nil {
		return nil, aerr
	}
	slices.SortFunc(aliases, func(a, b alias) int { return strings.Compare(a.arn, b.arn) })
	out := map[string]any{}
	page, aerr := kmsPage(q, aliases, out)
	if aerr != nil {
		return nil, aerr
	}
	list := []map[string]string{}
	for _, a := range page {
		_, name, _ := strings.Cut(a.arn, ":alias/")
		target, _ := parseARN(a.target)
		list = append(list, map[string]string{"AliasName": "alias/" + name, "AliasArn": a.arn, "TargetKeyId": strings.TrimPrefix(target.Resource, "key/")})
	}
	out["Aliases"] = list
	return out, nil
}
