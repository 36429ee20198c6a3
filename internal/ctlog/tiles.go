package ctlog

import (
	"context"
	"fmt"
)

// TileHeight is the height of static-ct-api tiles: 256 hashes or entries
// per full tile.
const TileHeight = 8

const tileWidth = 1 << TileHeight

// TilePath is the path of a tile: level L ("data" for entries), index N
// written in groups of three digits with "x" before all but the last
// ("x001/x234/067"), and ".p/W" for a partial tile of W < 256 entries.
func TilePath(level string, n uint64, width int) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n >= 1000 {
		n /= 1000
		s = fmt.Sprintf("x%03d/", n%1000) + s
	}
	p := "/tile/" + level + "/" + s
	if width < tileWidth {
		p += fmt.Sprintf(".p/%d", width)
	}
	return p
}

// tileWidthAt is the width of tile t at hash level lvl in a tree of n
// entries.
func tileWidthAt(lvl int, t, n uint64) int {
	count := n >> (uint(lvl) * TileHeight)
	if count <= t*tileWidth {
		return 0
	}
	return int(min(tileWidth, count-t*tileWidth))
}

// tileHashes reads the hashes of a Merkle tile.
func (f *Follower) tileHashes(ctx context.Context, lvl int, t uint64, width int) ([]Hash, error) {
	b, err := f.get(ctx, TilePath(fmt.Sprint(lvl), t, width), nil)
	if err != nil {
		return nil, err
	}
	if len(b) != 32*width {
		return nil, fmt.Errorf("%w: tile %d/%d has %d bytes, want %d", ErrUntrusted, lvl, t, len(b), 32*width)
	}
	out := make([]Hash, width)
	for i := range out {
		copy(out[i][:], b[32*i:])
	}
	return out, nil
}

// subtreeHash is the hash of the perfect sub-tree of height h whose
// leftmost node at level 0 is k<<h, read from the tiles of a tree of n
// entries.
func (f *Follower) subtreeHash(ctx context.Context, h int, k, n uint64) (Hash, error) {
	lvl, r := h/TileHeight, h%TileHeight
	first := k << uint(r) // index of the first node at level lvl*8
	t, o := first/tileWidth, int(first%tileWidth)
	w := tileWidthAt(lvl, t, n)
	if o+(1<<r) > w {
		return Hash{}, fmt.Errorf("sub-tree %d/%d is not in a tree of %d entries", h, k, n)
	}
	hs, err := f.tileHashes(ctx, lvl, t, w)
	if err != nil {
		return Hash{}, err
	}
	return RootHash(hs[o : o+(1<<r)]), nil
}

// perfectSubtrees lists the heights and indices of the perfect sub-trees
// making a tree of m entries, largest first.
func perfectSubtrees(m uint64) [][2]uint64 {
	var out [][2]uint64
	var off uint64
	for h := 63; h >= 0; h-- {
		if m&(1<<uint(h)) != 0 {
			out = append(out, [2]uint64{uint64(h), off >> uint(h)})
			off += 1 << uint(h)
		}
	}
	return out
}

// tileFrontierAt builds the frontier of the first m entries from the
// tiles of a tree of n entries.
func (f *Follower) tileFrontierAt(ctx context.Context, m, n uint64) (*Frontier, error) {
	fr := &Frontier{Size: m}
	for _, st := range perfectSubtrees(m) {
		h, err := f.subtreeHash(ctx, int(st[0]), st[1], n)
		if err != nil {
			return nil, err
		}
		fr.Hashes = append(fr.Hashes, h)
	}
	return fr, nil
}

// tileRoot is the root of the first m entries, from the tiles of a tree
// of n entries.
func (f *Follower) tileRoot(ctx context.Context, m, n uint64) (Hash, error) {
	fr, err := f.tileFrontierAt(ctx, m, n)
	if err != nil {
		return Hash{}, err
	}
	return fr.Root(), nil
}

// tileFrontier is the verified frontier of a checkpoint's tree: its
// sub-tree hashes read from tiles must fold to the signed root.
func (f *Follower) tileFrontier(ctx context.Context, sth STH) (*Frontier, error) {
	fr, err := f.tileFrontierAt(ctx, sth.TreeSize, sth.TreeSize)
	if err != nil {
		return nil, err
	}
	if fr.Root() != sth.RootHash {
		return nil, fmt.Errorf("%w: the tiles do not hash to the signed checkpoint of %d entries", ErrUntrusted, sth.TreeSize)
	}
	return fr, nil
}

// readTiles reads entries [start, end) from the data tiles of a tree of
// n entries.
func (f *Follower) readTiles(ctx context.Context, start, end, n uint64, fn func(Entry, error) error) error {
	for t := start / tileWidth; t*tileWidth < end; t++ {
		w := tileWidthAt(0, t, n)
		b, err := f.get(ctx, TilePath("data", t, w), nil)
		if err != nil {
			return err
		}
		got, err := ParseDataTile(t*tileWidth, b, func(e Entry, perr error) error {
			if e.Index < start || e.Index >= end {
				return nil
			}
			return fn(e, perr)
		})
		if err != nil {
			// an unreadable tile cannot be skipped entry by entry: its
			// leaves would be missing from the tree
			return fmt.Errorf("%w: data tile %d: %v", ErrUntrusted, t, err)
		}
		if got != w {
			return fmt.Errorf("%w: data tile %d has %d entries, want %d", ErrUntrusted, t, got, w)
		}
	}
	return nil
}
