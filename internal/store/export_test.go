package store

import "time"

// SetBatchDelay sets how long the store's batched appends wait for company.
func (b *Bolt) SetBatchDelay(d time.Duration) { b.db.MaxBatchDelay = d }
