package awsemu

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// topic is one SNS topic.
type topic struct {
	ARN, Account, Region, Name string
	// attrs are the attributes set with SetTopicAttributes.
	attrs map[string]string
}

func topicARN(region, account, name string) string {
	return "arn:aws:sns:" + region + ":" + account + ":" + name
}

var topicNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}(\.fifo)?$`)

func (s *Server) snsOps() map[string]handlerFunc {
	return map[string]handlerFunc{
		"CreateTopic":        s.createTopic,
		"DeleteTopic":        s.deleteTopic,
		"GetTopicAttributes": s.getTopicAttributes,
		"SetTopicAttributes": s.setTopicAttributes,
		"ListTopics":         s.listTopics,
	}
}

type topicArnResult struct {
	TopicArn string `xml:"TopicArn"`
}

func (s *Server) createTopic(q *request) (any, *apiError) {
	name := formOf(q).Get("Name")
	if !topicNameRE.MatchString(name) {
		return nil, newErr("InvalidParameter", "Invalid parameter: Topic Name")
	}
	arn := topicARN(q.region, q.account, name)
	s.st.lock(func() {
		if s.st.topics[arn] == nil {
			s.st.topics[arn] = &topic{ARN: arn, Account: q.account, Region: q.region, Name: name}
		}
	})
	return topicArnResult{TopicArn: arn}, nil
}

// parseTopicARN validates a TopicArn parameter: it must be an SNS ARN of the
// region called (InvalidParameter otherwise, as AWS answers).
func parseTopicARN(q *request, arn string) (arnParts, *apiError) {
	a, ok := parseARN(arn)
	if !ok || a.Service != "sns" || a.Region != q.region || a.Resource == "" {
		return a, newErr("InvalidParameter", "Invalid parameter: TopicArn")
	}
	return a, nil
}

func (s *Server) deleteTopic(q *request) (any, *apiError) {
	arn := formOf(q).Get("TopicArn")
	a, aerr := parseTopicARN(q, arn)
	if aerr != nil {
		return nil, aerr
	}
	if a.Account != q.account {
		return nil, snsNotAuthorized(q, "DeleteTopic", arn)
	}
	s.st.lock(func() { delete(s.st.topics, arn) })
	return nil, nil
}

func snsNotAuthorized(q *request, op, arn string) *apiError {
	return newErr("AuthorizationError", "User: "+callerARN(q.account)+" is not authorized to perform: SNS:"+op+" on resource: "+arn+
		" because no resource-based policy allows the SNS:"+op+" action", http.StatusForbidden)
}

type attrEntry struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type topicAttributesResult struct {
	Attributes []attrEntry `xml:"Attributes>entry"`
}

// ownTopic finds the topic of the TopicArn parameter: NotFound for a
// missing topic of the caller's account and AuthorizationError for any
// topic of another account. State must be locked.
func (s *Server) ownTopic(q *request, op string) (*topic, *apiError) {
	arn := formOf(q).Get("TopicArn")
	a, aerr := parseTopicARN(q, arn)
	if aerr != nil {
		return nil, aerr
	}
	if a.Account != q.account {
		return nil, snsNotAuthorized(q, op, arn)
	}
	t := s.st.topics[arn]
	if t == nil {
		return nil, newErr("NotFound", "Topic does not exist", http.StatusNotFound)
	}
	return t, nil
}

// settableTopicAttributes are the SetTopicAttributes names the emulator
// keeps; SNS refuses names it does not know.
var settableTopicAttributes = map[string]bool{"Policy": true, "DisplayName": true, "DeliveryPolicy": true, "KmsMasterKeyId": true}

func (s *Server) setTopicAttributes(q *request) (any, *apiError) {
	form := formOf(q)
	name, value := form.Get("AttributeName"), form.Get("AttributeValue")
	if !settableTopicAttributes[name] {
		return nil, newErr("InvalidParameter", "Invalid parameter: AttributeName")
	}
	if name == "Policy" {
		if _, err := parsePolicy([]byte(value)); err != nil {
			return nil, newErr("InvalidParameter", "Invalid parameter: Policy Error: "+err.Error())
		}
	}
	return s.locked(func() (any, *apiError) {
		t, aerr := s.ownTopic(q, "SetTopicAttributes")
		if aerr != nil {
			return nil, aerr
		}
		if t.attrs == nil {
			t.attrs = map[string]string{}
		}
		t.attrs[name] = value
		return nil, nil
	})
}

// defaultTopicPolicy is the access policy SNS gives a new topic.
func defaultTopicPolicy(t *topic) string {
	return `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],"Resource":"` +
		t.ARN + `","Condition":{"StringEquals":{"AWS:SourceOwner":"` + t.Account + `"}}}]}`
}

// getTopicAttributes answers the topic's attributes, with what
// SetTopicAttributes set in place of the defaults.
func (s *Server) getTopicAttributes(q *request) (any, *apiError) {
	return s.locked(func() (any, *apiError) {
		t, aerr := s.ownTopic(q, "GetTopicAttributes")
		if aerr != nil {
			return nil, aerr
		}
		attr := func(name, def string) string {
			if v, ok := t.attrs[name]; ok {
				return v
			}
			return def
		}
		out := topicAttributesResult{Attributes: []attrEntry{
			{"Policy", attr("Policy", defaultTopicPolicy(t))},
			{"Owner", t.Account},
			{"SubscriptionsPending", "0"},
			{"TopicArn", t.ARN},
			{"EffectiveDeliveryPolicy", attr("DeliveryPolicy", `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}`)},
			{"SubscriptionsConfirmed", "0"},
			{"DisplayName", attr("DisplayName", "")},
			{"SubscriptionsDeleted", "0"},
		}}
		if v, ok := t.attrs["KmsMasterKeyId"]; ok {
			out.Attributes = append(out.Attributes, attrEntry{"KmsMasterKeyId", v})
		}
		return out, nil
	})
}

// resolveTopicForTrail resolves CreateTrail's SnsTopicName (a name in the
// trail's region or an ARN). State must be locked.
func (s *Server) resolveTopicForTrail(q *request, nameOrARN string) (string, *apiError) {
	arn := nameOrARN
	if strings.HasPrefix(nameOrARN, "arn:") {
		a, ok := parseARN(nameOrARN)
		if !ok || a.Service != "sns" || !topicNameRE.MatchString(a.Resource) {
			return "", newErr("InvalidSnsTopicNameException", "SNS topic name "+nameOrARN+" is not valid.")
		}
	} else {
		if !topicNameRE.MatchString(nameOrARN) {
			return "", newErr("InvalidSnsTopicNameException", "SNS topic name "+nameOrARN+" is not valid.")
		}
		arn = topicARN(q.region, q.account, nameOrARN)
	}
	if s.st.topics[arn] == nil {
		return "", newErr("InsufficientSnsTopicPolicyException", "Problem with SNS topic "+arn+": the topic does not exist or its policy does not allow CloudTrail to publish.")
	}
	return arn, nil
}

type listTopicsResult struct {
	Topics    []topicArnResult `xml:"Topics>member"`
	NextToken string           `xml:"NextToken,omitempty"`
}

// listTopics lists the caller's topics of the region, 100 a page as SNS
// does.
func (s *Server) listTopics(q *request) (any, *apiError) {
	var arns []string
	s.st.lock(func() {
		for arn, t := range s.st.topics {
			if t.Account == q.account && t.Region == q.region {
				arns = append(arns, arn)
			}
		}
	})
	slices.Sort(arns)
	page, next, ok := pageOf(arns, formOf(q).Get("NextToken"), 100)
	if !ok {
		return nil, newErr("InvalidParameter", "Invalid parameter: NextToken")
	}
	out := listTopicsResult{Topics: []topicArnResult{}, NextToken: next}
	for _, arn := range page {
		out.Topics = append(out.Topics, topicArnResult{TopicArn: arn})
	}
	return out, nil
}
