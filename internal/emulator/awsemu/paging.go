package awsemu

// pageOf cuts one page out of items: at most limit of them from the offset
// the token tok holds ("" is the first page). next is the token of the
// following page, "" on the last one; ok is false for a token the emulator
// did not issue or that points past the end.
func pageOf[T any](items []T, tok string, limit int) (page []T, next string, ok bool) {
	start, aerr := decodeOffsetToken(tok)
	if aerr != nil || start > len(items) {
		return nil, "", false
	}
	end := min(start+limit, len(items))
	if end < len(items) {
		next = encodeOffsetToken(end)
	}
	return items[start:end], next, true
}
