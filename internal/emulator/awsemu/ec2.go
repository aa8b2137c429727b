package awsemu

import (
	"sort"
	"strings"
)

func (s *Server) ec2Ops() map[string]handlerFunc {
	return map[string]handlerFunc{"DescribeRegions": s.describeRegions}
}

type ec2Region struct {
	RegionName     string `xml:"regionName"`
	RegionEndpoint string `xml:"regionEndpoint"`
	OptInStatus    string `xml:"optInStatus"`
}

type describeRegionsResponse struct {
	RequestID string      `xml:"requestId"`
	Regions   []ec2Region `xml:"regionInfo>item"`
}

// knownOptInRegions are the regions AWS requires an opt-in for; an enabled
// one reports "opted-in", the others "opt-in-not-required".
var knownOptInRegions = map[string]bool{
	"af-south-1": true, "ap-east-1": true, "ap-south-2": true, "ap-southeast-3": true,
	"ap-southeast-4": true, "ap-southeast-5": true, "ap-southeast-7": true, "ca-west-1": true,
	"eu-central-2": true, "eu-south-1": true, "eu-south-2": true, "il-central-1": true,
	"me-central-1": true, "me-south-1": true, "mx-central-1": true,
}

// describeRegions lists the enabled regions (opt-in-not-required or
// opted-in), or with AllRegions=true also the not-opted-in ones. RegionName.N
// and the region-name / opt-in-status filters narrow the list.
func (s *Server) describeRegions(q *request) (any, *apiError) {
	form := formOf(q)
	all := strings.EqualFold(form.Get("AllRegions"), "true")
	names := formList(form, "RegionName")
	filters := ec2Filters(form)
	var out []ec2Region
	add := func(name, status string) {
		out = append(out, ec2Region{RegionName: name, RegionEndpoint: "ec2." + name + ".amazonaws.com", OptInStatus: status})
	}
	for r := range s.enabled {
		if knownOptInRegions[r] {
			add(r, "opted-in")
		} else {
			add(r, "opt-in-not-required")
		}
	}
	if all || len(names) > 0 {
		for r := range s.optIn {
			add(r, "not-opted-in")
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RegionName < out[j].RegionName })
	known := map[string]bool{}
	for _, r := range out {
		known[r.RegionName] = true
	}
	for _, n := range names {
		if !known[n] {
			return nil, newErr("InvalidParameterValue", "Invalid region names: '"+n+"'")
		}
	}
	kept := out[:0]
	for _, r := range out {
		if len(names) > 0 && !contains(names, r.RegionName) {
			continue
		}
		if v, ok := filters["region-name"]; ok && !contains(v, r.RegionName) {
			continue
		}
		if v, ok := filters["opt-in-status"]; ok && !contains(v, r.OptInStatus) {
			continue
		}
		if v, ok := filters["endpoint"]; ok && !contains(v, r.RegionEndpoint) {
			continue
		}
		kept = append(kept, r)
	}
	return describeRegionsResponse{RequestID: q.requestID, Regions: kept}, nil
}

// ec2Filters reads Filter.N.Name / Filter.N.Value.M.
func ec2Filters(form map[string][]string) map[string][]string {
	out := map[string][]string{}
	for i := 1; ; i++ {
		name, ok := form["Filter."+itoa(i)+".Name"]
		if !ok {
			return out
		}
		out[name[0]] = formList(form, "Filter."+itoa(i)+".Value")
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
