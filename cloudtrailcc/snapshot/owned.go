package snapshot

import (
	"cmp"
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
// It is written by one goroutine at a time (the collection) and read by
// any number once written.
type ownedIndex struct {
	// names holds the bucket names, one after another.
	names filetrust.Spill
	// settled are the entries by hash, as Pack and KeepOwners leave them:
	// an organization held between queries keeps 24 bytes a name.
	settled []ownedEntry
	// added are the entries noted since, by hash (while collecting).
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

// len is the number of names kept.
func (x *ownedIndex) len() int {
	return len(x.settled) + len(x.added) + len(x.overflow)
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
	ref, err := x.write(name)
	if err != nil {
		// exact all the same, only costlier
		x.keepWhole(name, owner)
		return
	}
	ref.owner = owner
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

// write appends name to names and is where it is (no owner).
func (x *ownedIndex) write(name string) (ownedRef, error) {
	if len(name) > math.MaxUint16 || x.names.Size()+int64(len(name)) > math.MaxUint32 {
		return ownedRef{}, errNameNotKept
	}
	x.scratch = append(x.scratch[:0], name...)
	off, err := x.names.Append(x.scratch)
	if err != nil {
		return ownedRef{}, err
	}
	return ownedRef{off: uint32(off), n: uint16(len(name))}, nil
}

// owner is the owner of bucket name; ok is false when none was recorded.
func (x *ownedIndex) owner(name string) (owner accountKey, ok bool) {
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
