package snapshot

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/filetrust"
)

// ownedIndex maps the name of each bucket a read account owns to that
// account, exactly, at a fixed few bytes a name on the heap: the names
// themselves are kept in names (the organization's spill directory, or
// memory), and the heap holds for each name only its hash (seeded at
// random per organization), its owner's key and where the name is kept.
// A name is looked up by its hash, then read back and compared, so that no
// name ever answers with another's owner; a second name with a hash already
// taken is kept whole in overflow.
//
// While an organization is read, until the first settle (Pack), each name
// is only appended to names, with its owner, as one record: the collection
// keeps nothing on the heap a name; settle reads the records back.
//
// It is written by one goroutine at a time (the collection) and read by
// any number once written.
type ownedIndex struct {
	// names holds the bucket names, one after another, each as a record
	// (ownedRecordHeader, then the name) but for those compact copied.
	names filetrust.Spill
	// settledOnce is false while names are logged (before the first
	// settle), true once they are indexed.
	settledOnce bool
	// logged is the number of records logged.
	logged int
	// settled are the entries by hash, as Pack and KeepOwners leave them:
	// an organization held between queries keeps 24 bytes a name.
	settled []ownedEntry
	// added are the entries by hash of the names put since the last
	// settle: the logged ones, while settle indexes them, then those a
	// resolution's Update notes.
	added map[uint64]ownedRef
	// overflow maps the names kept whole to their owners: a name whose
	// hash another name has, or one names could not take.
	overflow map[string]accountKey
	// hash is a name's hash (seededNameHash; a test forces collisions).
	hash func(name string) uint64
	// scratch is the buffer a name is copied into to be appended.
	scratch []byte
}

// ownedRef is a bucket's owner and where its name is in names.
type ownedRef struct {
	owner accountKey
	off   uint32
	n     uint16
}

// ownedEntry is a settled name's hash and ref.
type ownedEntry struct {
	hash uint64
	ownedRef
}

// errNameNotKept is why a name is kept whole rather than in names.
var errNameNotKept = errors.New("past what a name's place can say")

// seededNameHash is a hash of names with a random seed of its own.
func seededNameHash() func(string) uint64 {
	seed := maphash.MakeSeed()
	return func(name string) uint64 { return maphash.String(seed, name) }
}

// ownedRecordHeader is the length of a logged record's header: the
// name's length (uint16) and its owner's key (uint64), little-endian.
const ownedRecordHeader = 2 + 8

// len is the number of names kept (a name logged twice counts twice).
func (x *ownedIndex) len() int {
	return x.logged + len(x.settled) + len(x.added) + len(x.overflow)
}

// find is the ref of the name whose hash is h, and its index in settled
// (-1 when it is in added).
func (x *ownedIndex) find(h uint64) (ref ownedRef, i int, ok bool) {
	if i, ok := slices.BinarySearchFunc(x.settled, h, func(e ownedEntry, h uint64) int { return cmp.Compare(e.hash, h) }); ok {
		return x.settled[i].ownedRef, i, true
	}
	ref, ok = x.added[h]
	return ref, -1, ok
}

// put records that owner owns bucket name (the last owner given stands).
func (x *ownedIndex) put(name string, owner accountKey) {
	if !x.settledOnce {
		x.log(name, owner)
		return
	}
	h := x.hash(name)
	if ref, i, ok := x.find(h); ok {
		if !x.is(ref, name) {
			x.keepWhole(name, owner) // another name has its hash
			return
		}
		ref.owner = owner
		if i >= 0 {
			x.settled[i].ownedRef = ref
		} else {
			x.added[h] = ref
		}
		return
	}
	if _, ok := x.overflow[name]; ok {
		x.overflow[name] = owner // the name that had its hash is forgotten
		return
	}
	ref, err := x.record(name, owner)
	if err != nil {
		// exact all the same, only costlier
		x.keepWhole(name, owner)
		return
	}
	if x.added == nil {
		x.added = map[uint64]ownedRef{}
	}
	x.added[h] = ref
}

// keepWhole records owner for name in overflow.
func (x *ownedIndex) keepWhole(name string, owner accountKey) {
	if x.overflow == nil {
		x.overflow = map[string]accountKey{}
	}
	if _, ok := x.overflow[name]; !ok {
		name = strings.Clone(name) // not the bytes of the reply it came in
	}
	x.overflow[name] = owner
}

// record appends name and its owner to names as one record (the name's
// length and its owner's key, then the name) and is where the name is.
func (x *ownedIndex) record(name string, owner accountKey) (ownedRef, error) {
	if len(name) > math.MaxUint16 || x.names.Size()+ownedRecordHeader+int64(len(name)) > math.MaxUint32 {
		return ownedRef{}, errNameNotKept
	}
	x.scratch = binary.LittleEndian.AppendUint16(x.scratch[:0], uint16(len(name)))
	x.scratch = binary.LittleEndian.AppendUint64(x.scratch, uint64(owner))
	x.scratch = append(x.scratch, name...)
	off, err := x.names.Append(x.scratch)
	if err != nil {
		return ownedRef{}, err
	}
	return ownedRef{owner: owner, off: uint32(off + ownedRecordHeader), n: uint16(len(name))}, nil
}

// log appends a record of name and its owner to names. A name names
// cannot take is kept whole; one logged after its last put was kept whole
// is no longer, so that overflow holds a name only while its last put is
// there.
func (x *ownedIndex) log(name string, owner accountKey) {
	if _, err := x.record(name, owner); err != nil {
		x.keepWhole(name, owner) // exact all the same, only costlier
		return
	}
	x.logged++
	delete(x.overflow, name)
}

// eachLogged calls fn with each logged record, in the order logged: where
// its name is (ref, with its owner) and the name's bytes (valid only
// during the call). It reads names sequentially, a chunk at a time.
func (x *ownedIndex) eachLogged(fn func(ref ownedRef, name []byte)) {
	const chunk = 64 << 10
	end := x.names.Size()
	var buf []byte
	var bufOff int64
	at := func(off int64, n int) []byte {
		if off < bufOff || off+int64(n) > bufOff+int64(len(buf)) {
			b, err := x.names.Read(off, int(min(end-off, max(int64(n), chunk))))
			if err != nil {
				panic(fmt.Sprintf("snapshot: reading back the bucket names: %v", err))
			}
			buf, bufOff = b, off
		}
		return buf[off-bufOff : off-bufOff+int64(n)]
	}
	for off := int64(0); off < end; {
		head := at(off, ownedRecordHeader)
		n := binary.LittleEndian.Uint16(head)
		owner := accountKey(binary.LittleEndian.Uint64(head[2:]))
		ref := ownedRef{owner: owner, off: uint32(off + ownedRecordHeader), n: n}
		fn(ref, at(off+ownedRecordHeader, int(n)))
		off += ownedRecordHeader + int64(n)
	}
}

// indexLog turns the logged records into entries by hash (the last owner
// of a name standing), keeping whole a name whose hash another name took
// first, and ends the logging.
func (x *ownedIndex) indexLog() map[uint64]ownedRef {
	// the names kept whole now are so because their last put was
	kept := make(map[string]bool, len(x.overflow))
	for name := range x.overflow {
		kept[name] = true
	}
	added := make(map[uint64]ownedRef, x.logged)
	x.eachLogged(func(ref ownedRef, b []byte) {
		if kept[string(b)] {
			return
		}
		name := string(b)
		h := x.hash(name)
		if old, ok := added[h]; ok && !x.is(old, name) {
			x.keepWhole(name, ref.owner)
			return
		}
		added[h] = ref
	})
	x.settledOnce, x.logged = true, 0
	return added
}

// owner is the owner of bucket name; ok is false when none was recorded.
func (x *ownedIndex) owner(name string) (owner accountKey, ok bool) {
	if !x.settledOnce {
		// still being read: the last record of name, unless its last put
		// was kept whole
		if owner, ok := x.overflow[name]; ok {
			return owner, true
		}
		x.eachLogged(func(ref ownedRef, b []byte) {
			if string(b) == name {
				owner, ok = ref.owner, true
			}
		})
		return owner, ok
	}
	if ref, _, ok := x.find(x.hash(name)); ok && x.is(ref, name) {
		return ref.owner, true
	}
	owner, ok = x.overflow[name]
	return owner, ok
}

// is reports whether ref is bucket name's.
func (x *ownedIndex) is(ref ownedRef, name string) bool {
	return int(ref.n) == len(name) && string(x.read(ref)) == name
}

// read is the name ref says where it is. The names are the process's own,
// in memory or its unlinked spill file: a failure to read them back is a
// defect or a failing disk, never a bucket with no owner.
func (x *ownedIndex) read(ref ownedRef) []byte {
	b, err := x.names.Read(int64(ref.off), int(ref.n))
	if err != nil {
		panic(fmt.Sprintf("snapshot: reading back a bucket name: %v", err))
	}
	return b
}

// settle keeps only the names keep accepts (every one when keep is nil)
// and moves them into settled, so that what stays costs 24 bytes a name
// and nothing more (a map keeps the room of its largest size). Names kept
// in memory are copied out of the forgotten ones.
func (x *ownedIndex) settle(keep func(name string) bool) {
	if !x.settledOnce {
		x.added = x.indexLog()
	}
	if keep == nil && len(x.added) == 0 {
		return
	}
	all := make([]ownedEntry, 0, len(x.settled)+len(x.added))
	for _, e := range x.settled {
		if keep == nil || keep(string(x.read(e.ownedRef))) {
			all = append(all, e)
		}
	}
	for h, ref := range x.added {
		if keep == nil || keep(string(x.read(ref))) {
			all = append(all, ownedEntry{hash: h, ownedRef: ref})
		}
	}
	slices.SortFunc(all, func(a, b ownedEntry) int { return cmp.Compare(a.hash, b.hash) })
	if len(all) < cap(all) {
		all = slices.Clone(all)
	}
	x.settled, x.added = all, nil
	if keep == nil {
		return
	}
	for name := range x.overflow {
		if !keep(name) {
			delete(x.overflow, name)
		}
	}
	if len(x.overflow) == 0 {
		x.overflow = nil
	}
	if !x.names.Spilled() {
		x.compact()
	}
}

// compact copies the settled names into names of their own, forgetting
// the others' bytes (names in memory only: a file's are not the heap's).
func (x *ownedIndex) compact() {
	var names filetrust.Spill
	for i := range x.settled {
		off, err := names.Append(x.read(x.settled[i].ownedRef))
		if err != nil { // memory: never
			panic(fmt.Sprintf("snapshot: keeping a bucket name: %v", err))
		}
		x.settled[i].off = uint32(off)
	}
	x.names = names
}
