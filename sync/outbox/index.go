package outbox

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// bucketIndex maps a result_id to where its record is: a tag byte
// (indexPending or indexDelivered) and the record's key in that bucket.
// Put, Ack, Purge and the sweep keep it; Find is one lookup. With
// several records under one result_id it names the newest pending one,
// else the newest delivered one (the order Find walked in before).
var bucketIndex = []byte("index")

const (
	indexPending   = 'p'
	indexDelivered = 'd'
)

func indexLoc(tag byte, key []byte) []byte {
	loc := make([]byte, 0, 1+len(key))
	return append(append(loc, tag), key...)
}

// setIndex points resultID at the record under key in the tagged bucket.
func setIndex(idx *bolt.Bucket, resultID string, tag byte, key []byte) error {
	if idx == nil {
		return nil
	}
	return idx.Put([]byte(resultID), indexLoc(tag, key))
}

// unindex drops the entry of the record v under key, unless it names
// another record (a newer one with the same result_id). Call it before
// deleting the record: v belongs to the transaction's page.
func unindex(idx *bolt.Bucket, tag byte, key, v []byte) error {
	if idx == nil {
		return nil
	}
	head, err := decodeRecord(v, nil, false, true)
	if err != nil {
		return nil // never indexed: Open drops records that do not decode
	}
	id := []byte(head.ResultID)
	if !bytes.Equal(idx.Get(id), indexLoc(tag, key)) {
		return nil
	}
	return idx.Delete(id)
}

// moveIndex repoints resultID from one location to another when it named
// the first (an acknowledged record moving to the delivered bucket), or
// drops the entry when to is nil.
func moveIndex(idx *bolt.Bucket, v []byte, fromTag byte, fromKey []byte, toTag byte, toKey []byte) error {
	if idx == nil {
		return nil
	}
	head, err := decodeRecord(v, nil, false, true)
	if err != nil {
		return nil
	}
	id := []byte(head.ResultID)
	if !bytes.Equal(idx.Get(id), indexLoc(fromTag, fromKey)) {
		return nil
	}
	if toKey == nil {
		return idx.Delete(id)
	}
	return idx.Put(id, indexLoc(toTag, toKey))
}

// ensureIndex builds the index when the file has none (a file written
// before it existed) or when rebuild is set (Open deleted records).
// Delivered records go in first and pending ones after, each oldest
// first, so the newest pending record wins.
func ensureIndex(db *bolt.DB, rebuild bool) error {
	return db.Update(func(tx *bolt.Tx) error {
		if !rebuild && tx.Bucket(bucketIndex) != nil {
			return nil
		}
		if tx.Bucket(bucketIndex) != nil {
			if err := tx.DeleteBucket(bucketIndex); err != nil {
				return err
			}
		}
		idx, err := tx.CreateBucket(bucketIndex)
		if err != nil {
			return err
		}
		for _, b := range []struct {
			name []byte
			tag  byte
		}{{bucketDelivered, indexDelivered}, {bucketPending, indexPending}} {
			bk := tx.Bucket(b.name)
			if bk == nil {
				continue
			}
			err := bk.ForEach(func(k, v []byte) error {
				head, err := decodeRecord(v, nil, false, true)
				if err != nil {
					return nil
				}
				return setIndex(idx, head.ResultID, b.tag, k)
			})
			if err != nil {
				return fmt.Errorf("outbox: build the result index: %w", err)
			}
		}
		return nil
	})
}

// lookup returns the record the index names for resultID, nil when none.
func lookup(tx *bolt.Tx, resultID string) (key, v []byte) {
	idx := tx.Bucket(bucketIndex)
	if idx == nil {
		return nil, nil
	}
	loc := idx.Get([]byte(resultID))
	if len(loc) < 2 {
		return nil, nil
	}
	name := bucketPending
	if loc[0] == indexDelivered {
		name = bucketDelivered
	}
	bk := tx.Bucket(name)
	if bk == nil {
		return nil, nil
	}
	key = loc[1:]
	return key, bk.Get(key)
}
