package awsemu

func (s *Server) stsOps() map[string]handlerFunc {
	return map[string]handlerFunc{"GetCallerIdentity": s.getCallerIdentity}
}

type callerIdentityResult struct {
	Arn     string `xml:"Arn"`
	UserId  string `xml:"UserId"`
	Account string `xml:"Account"`
}

// getCallerIdentity answers as for IAM user "emulator" of the caller's account.
func (s *Server) getCallerIdentity(q *request) (any, *apiError) {
	return callerIdentityResult{Arn: callerARN(q.account), UserId: callerUserID(q.account), Account: q.account}, nil
}
