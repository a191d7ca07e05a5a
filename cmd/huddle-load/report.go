package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// Report is what one run of the generator writes as JSON.
type Report struct {
	Started    time.Time `json:"started"`
	LoadStart  string    `json:"load_start"` // /proc/loadavg before the run
	LoadEnd    string    `json:"load_end"`
	N          int       `json:"n"`
	Teams      int       `json:"teams"`
	Questions  int       `json:"questions"`
	WindowMS   int64     `json:"window_ms"`
	Store      string    `json:"store,omitempty"`
	Processes  int       `json:"processes,omitempty"` // huddle processes on one Redis
	Huddle     *Result   `json:"huddle"`
	Floor      *Result   `json:"floor,omitempty"`
	Centrifuge *Result   `json:"centrifuge,omitempty"`
	Ratio      *Ratio    `json:"ratio,omitempty"`            // huddle / floor
	RatioPeer  *Ratio    `json:"ratio_centrifuge,omitempty"` // huddle / centrifuge
}

// Result is what was measured against one server.
type Result struct {
	Target string `json:"target"`
	N      int    `json:"n"`
	Rooms  int    `json:"rooms,omitempty"` // huddle: the rooms the phones were shared among
	// Processes are the huddle processes the phones were spread over; CPU,
	// memory and store writes are all of theirs together.
	Processes int `json:"processes,omitempty"`

	Joined      int     `json:"joined"`
	JoinErrors  int64   `json:"join_errors"`
	JoinSeconds float64 `json:"join_seconds"`
	JoinsPerSec float64 `json:"joins_per_s"`
	// The mean time of a phone's join request (huddle only) and of opening
	// its socket, as the phone saw them.
	JoinRequestMS float64 `json:"join_request_ms"`
	SocketOpenMS  float64 `json:"socket_open_ms"`

	QuestionsRun int `json:"questions_run"`
	// Fan-out: from the host's command to the last phone receiving the
	// question, one figure per question.
	FanoutP50MS float64 `json:"fanout_p50_ms"`
	FanoutP99MS float64 `json:"fanout_p99_ms"`
	FanoutMaxMS float64 `json:"fanout_max_ms"`
	// Fan-out of each question, in order (rooms one after another).
	FanoutMS []float64 `json:"fanout_ms,omitempty"`
	// Delivery: the same per phone and question.
	DeliveryP50MS float64 `json:"delivery_p50_ms"`
	DeliveryP99MS float64 `json:"delivery_p99_ms"`
	Undelivered   int     `json:"undelivered"` // phone × question that never arrived

	AnswersSent  int     `json:"answers_sent"`
	AnswersAcked int     `json:"answers_acked"`
	AckP50MS     float64 `json:"ack_p50_ms"`
	AckP99MS     float64 `json:"ack_p99_ms"`
	ErrorFrames  int64   `json:"error_frames"`
	Dropped      int64   `json:"dropped_sockets"`
	// Burst: from the last answer sent to the host view counting all.
	BurstP50MS    float64 `json:"burst_p50_ms,omitempty"`
	BurstMaxMS    float64 `json:"burst_max_ms,omitempty"`
	NotCounted    int     `json:"questions_not_all_counted"`
	AnswersPerSec float64 `json:"answers_per_s,omitempty"` // answers / (all counted − first sent), mean over questions

	PayloadBytes    int64 `json:"payload_bytes"` // a question's state frame
	FramesDelivered int64 `json:"frames_delivered"`
	// Frames (centrifuge: messages) the phones received in the question
	// phase, per phone and question; and the server's CPU the same way.
	FramesPerPhoneQuestion float64 `json:"frames_per_phone_question"`
	CPUPerPhoneQuestionUS  float64 `json:"cpu_us_per_phone_question"`
	// The kernel's part of that CPU, and the read and write system calls
	// (sockets, store and all) per phone and question.
	SysPerPhoneQuestionUS    float64 `json:"sys_us_per_phone_question"`
	SyscallsPerPhoneQuestion float64 `json:"syscalls_per_phone_question"`
	// Bytes the server's Go runtime allocated per phone and question: what
	// its collector has to keep up with (where the server serves pprof).
	AllocPerPhoneQuestionB float64 `json:"alloc_bytes_per_phone_question,omitempty"`
	BytesDelivered         int64   `json:"bytes_delivered"`
	Seconds                float64 `json:"seconds"` // of the question phase
	CPUSeconds             float64 `json:"cpu_seconds"`
	CPUPerMsgUS            float64 `json:"cpu_us_per_msg"`
	CPUPercent             float64 `json:"cpu_percent"` // of one core

	RSSBeforeMB float64 `json:"rss_before_mb"`
	RSSJoinedMB float64 `json:"rss_joined_mb"`
	// Growth of the RSS from before the joins (the server compacted first,
	// where it serves pprof) to after them, per phone.
	RSSPerPhoneKB float64 `json:"rss_per_phone_kb"`
	// CPUPerJoinUS is the server's CPU from before the joins to 300 ms after
	// the last, per phone joined.
	CPUPerJoinUS float64 `json:"cpu_us_per_join"`
	// The kernel's part of it, and the read and write system calls per join.
	SysPerJoinUS    float64 `json:"sys_us_per_join"`
	SyscallsPerJoin float64 `json:"syscalls_per_join"`
	// The generator's own CPU per join: the phones' side, which shares the
	// machine's cores with the server and so bounds the join rate too.
	ClientPerJoinUS float64 `json:"client_us_per_join"`
	// Frames a phone received from its dial until 300 ms after the last
	// join: its own join's and the lobby's updates as the others joined.
	JoinFramesPerPhone float64 `json:"join_frames_per_phone,omitempty"`
	// What the Go runtime says of the same growth, after a forced collection:
	// the live heap, the goroutine stacks and the goroutines, per phone.
	HeapPerPhoneKB     float64 `json:"heap_per_phone_kb,omitempty"`
	StackPerPhoneKB    float64 `json:"stack_per_phone_kb,omitempty"`
	GoroutinesPerPhone float64 `json:"goroutines_per_phone,omitempty"`

	Restart *RestartResult `json:"restart,omitempty"`

	StoreWrites       int64      `json:"store_writes,omitempty"`
	StoreEvents       int64      `json:"store_events,omitempty"`
	StoreWritesPerSec float64    `json:"store_writes_per_s_per_room,omitempty"`
	Leaderboard       []Standing `json:"leaderboard,omitempty"`

	phones int // that played the questions
}

// Ratio is huddle's figure over another server's, measured in the same run.
type Ratio struct {
	FanoutP50           float64 `json:"fanout_p50"`
	FanoutP99           float64 `json:"fanout_p99"`
	CPUPerMsg           float64 `json:"cpu_per_msg"`
	CPUPerPhoneQuestion float64 `json:"cpu_per_phone_question"`
	RSSPerPhone         float64 `json:"rss_per_phone"`
	RSSPerPhoneMoreKB   float64 `json:"rss_per_phone_more_kb"` // huddle's minus the other's
	JoinRate            float64 `json:"join_rate"`
	CPUPerJoin          float64 `json:"cpu_per_join"`
	AckP99              float64 `json:"ack_p99"`
}

func ms(ns int64) float64 { return float64(ns) / 1e6 }

// pct is the p-th percentile (nearest rank) of sorted.
func pct(sorted []int64, p float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func (r *Result) join(n int, errs int64, took time.Duration, ss ...*session) {
	var joinNS, dialNS int64
	for _, s := range ss {
		r.Joined += int(s.welcomed.Load())
		joinNS += s.joinNS.Load()
		dialNS += s.dialNS.Load()
	}
	r.JoinErrors = errs + int64(n-int(errs)-r.Joined)
	r.JoinSeconds = took.Seconds()
	if took > 0 {
		r.JoinsPerSec = float64(r.Joined) / took.Seconds()
	}
	if r.Joined > 0 {
		r.JoinRequestMS = float64(joinNS) / 1e6 / float64(r.Joined)
		r.SocketOpenMS = float64(dialNS) / 1e6 / float64(r.Joined)
	}
}

// allocated sets the bytes allocated per phone and question between two
// readings of the server's runtime, the first after the joins.
func (r *Result) allocated(joined, asked memStats) {
	if n := r.phones * r.QuestionsRun; n > 0 && joined.ok && asked.ok {
		r.AllocPerPhoneQuestionB = float64(asked.allocated-joined.allocated) / float64(n)
	}
}

func (r *Result) memory(before, joined sample, mb, mj memStats, n int) {
	r.RSSBeforeMB = float64(before.rss) / (1 << 20)
	r.RSSJoinedMB = float64(joined.rss) / (1 << 20)
	if n > 0 {
		r.RSSPerPhoneKB = float64(joined.rss-before.rss) / 1024 / float64(n)
		r.CPUPerJoinUS = float64(joined.cpu-before.cpu) / 1e3 / float64(n)
		r.SysPerJoinUS = float64(joined.sys-before.sys) / 1e3 / float64(n)
		r.SyscallsPerJoin = float64(joined.syscalls-before.syscalls) / float64(n)
		r.ClientPerJoinUS = float64(joined.client-before.client) / 1e3 / float64(n)
		if mb.ok && mj.ok {
			r.HeapPerPhoneKB = float64(mj.heap-mb.heap) / 1024 / float64(n)
			r.StackPerPhoneKB = float64(mj.stack-mb.stack) / 1024 / float64(n)
			r.GoroutinesPerPhone = float64(mj.goroutines-mb.goroutines) / float64(n)
		}
	}
}

// play is one room's questions: its phones, when each question opened
// and, for huddle, when the host view first counted every answer (nil for
// the floor and centrifuge, which have no host view).
type play struct {
	s       *session
	open    []int64
	counted []int64
	// phoneFrames are the frames the phones had before the podium, which
	// is no question's; 0 counts them all.
	phoneFrames int64
}

// questions turns what the phones of every room recorded into the
// result's figures: fan-out is one figure per room and question.
func (r *Result) questions(plays []play, start, end sample) {
	var fanout, delivery, ack, burst []int64
	var rate float64
	var bursts, phones int
	for _, pl := range plays {
		s, open, counted := pl.s, pl.open, pl.counted
		r.QuestionsRun = max(r.QuestionsRun, len(open))
		for k, o := range open {
			if s.lastRecv[k].Load() != 0 {
				fanout = append(fanout, s.lastRecv[k].Load()-o)
				r.FanoutMS = append(r.FanoutMS, ms(s.lastRecv[k].Load()-o))
			}
			var first, last int64
			for _, p := range s.phones {
				if p == nil {
					continue
				}
				g := p.got[k].Load()
				if g == 0 {
					r.Undelivered++
					continue
				}
				delivery = append(delivery, g-o)
				if sent := p.sent[k].Load(); sent != 0 {
					r.AnswersSent++
					if first == 0 || sent < first {
						first = sent
					}
					last = max(last, sent)
					if a := p.acked[k].Load(); a != 0 {
						r.AnswersAcked++
						ack = append(ack, a-sent)
					}
				}
			}
			if counted != nil {
				if counted[k] == 0 {
					r.NotCounted++
				} else {
					burst = append(burst, counted[k]-last)
					if counted[k] > first {
						rate += float64(s.recv[k].Load()) / (float64(counted[k]-first) / 1e9)
						bursts++
					}
				}
			}
		}
		r.ErrorFrames += s.errs.Load()
		r.Dropped += s.dropped.Load()
		r.PayloadBytes = max(r.PayloadBytes, s.stateSize.Load())
		r.FramesDelivered += s.frames.Load()
		r.BytesDelivered += s.bytes.Load()
		for _, p := range s.phones {
			if p != nil {
				phones++
			}
		}
	}
	for _, v := range [][]int64{fanout, delivery, ack, burst} {
		slices.Sort(v)
	}
	r.FanoutP50MS, r.FanoutP99MS = ms(pct(fanout, 50)), ms(pct(fanout, 99))
	if len(fanout) > 0 {
		r.FanoutMaxMS = ms(fanout[len(fanout)-1])
	}
	r.DeliveryP50MS, r.DeliveryP99MS = ms(pct(delivery, 50)), ms(pct(delivery, 99))
	r.AckP50MS, r.AckP99MS = ms(pct(ack, 50)), ms(pct(ack, 99))
	if len(burst) > 0 {
		r.BurstP50MS, r.BurstMaxMS = ms(pct(burst, 50)), ms(burst[len(burst)-1])
	}
	if bursts > 0 {
		r.AnswersPerSec = rate / float64(bursts)
	}
	r.Seconds = end.at.Sub(start.at).Seconds()
	r.CPUSeconds = (end.cpu - start.cpu).Seconds()
	if r.FramesDelivered > 0 {
		r.CPUPerMsgUS = r.CPUSeconds * 1e6 / float64(r.FramesDelivered)
	}
	if r.Seconds > 0 {
		r.CPUPercent = 100 * r.CPUSeconds / r.Seconds
	}
	var phoneFrames int64
	for _, pl := range plays {
		if pl.phoneFrames > 0 {
			phoneFrames += pl.phoneFrames
		} else {
			phoneFrames += pl.s.phoneFrames.Load()
		}
	}
	r.phones = phones
	if n := float64(phones * r.QuestionsRun); n > 0 {
		r.FramesPerPhoneQuestion = float64(phoneFrames) / n
		r.CPUPerPhoneQuestionUS = r.CPUSeconds * 1e6 / n
		r.SysPerPhoneQuestionUS = float64(end.sys-start.sys) / 1e3 / n
		r.SyscallsPerPhoneQuestion = float64(end.syscalls-start.syscalls) / n
	}
	if start.haveStore && end.haveStore {
		r.StoreWrites = end.writes - start.writes
		r.StoreEvents = end.events - start.events
		r.StoreWritesPerSec = float64(r.StoreWrites) / r.Seconds / float64(len(plays))
	}
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func (rep *Report) ratios() {
	rep.Ratio = compare(rep.Huddle, rep.Floor)
	rep.RatioPeer = compare(rep.Huddle, rep.Centrifuge)
}

func compare(h, o *Result) *Ratio {
	if h == nil || o == nil {
		return nil
	}
	return &Ratio{
		FanoutP50:           ratio(h.FanoutP50MS, o.FanoutP50MS),
		FanoutP99:           ratio(h.FanoutP99MS, o.FanoutP99MS),
		CPUPerMsg:           ratio(h.CPUPerMsgUS, o.CPUPerMsgUS),
		CPUPerPhoneQuestion: ratio(h.CPUPerPhoneQuestionUS, o.CPUPerPhoneQuestionUS),
		RSSPerPhone:         ratio(h.RSSPerPhoneKB, o.RSSPerPhoneKB),
		RSSPerPhoneMoreKB:   h.RSSPerPhoneKB - o.RSSPerPhoneKB,
		JoinRate:            ratio(h.JoinsPerSec, o.JoinsPerSec),
		CPUPerJoin:          ratio(h.CPUPerJoinUS, o.CPUPerJoinUS),
		AckP99:              ratio(h.AckP99MS, o.AckP99MS),
	}
}

// print writes the human summary: huddle, then each reference measured in
// the same run with huddle's figure over it.
func (rep *Report) print(w io.Writer) {
	procs := ""
	if rep.Processes > 1 {
		procs = fmt.Sprintf(", %d huddle processes (CPU and memory summed)", rep.Processes)
	}
	fmt.Fprintf(w, "\n%d phones, %d teams, %d questions, answer window %d ms, store %s%s; load %s → %s\n",
		rep.N, rep.Teams, rep.Questions, rep.WindowMS, rep.Store, procs, rep.LoadStart, rep.LoadEnd)
	type ref struct {
		r     *Result
		ratio *Ratio
	}
	var refs []ref
	fmt.Fprintf(w, "  %-36s %11s", "", "huddle")
	for _, x := range []ref{{rep.Floor, rep.Ratio}, {rep.Centrifuge, rep.RatioPeer}} {
		if x.r != nil && x.ratio != nil {
			refs = append(refs, x)
			fmt.Fprintf(w, " %11s %9s", x.r.Target, "huddle/")
		}
	}
	fmt.Fprintln(w)
	row := func(name, unit string, f func(*Result) float64, rf func(*Ratio) float64) {
		fmt.Fprintf(w, "  %-36s %11.2f", name+" ("+unit+")", f(rep.Huddle))
		for _, x := range refs {
			fmt.Fprintf(w, " %11.2f", f(x.r))
			if rf != nil {
				fmt.Fprintf(w, " %8.2f×", rf(x.ratio))
			} else {
				fmt.Fprintf(w, " %9s", "")
			}
		}
		fmt.Fprintln(w)
	}
	row("joined", "phones", func(r *Result) float64 { return float64(r.Joined) }, nil)
	row("join errors", "", func(r *Result) float64 { return float64(r.JoinErrors) }, nil)
	row("join rate", "phones/s", func(r *Result) float64 { return r.JoinsPerSec }, func(r *Ratio) float64 { return r.JoinRate })
	row("server CPU per join", "µs", func(r *Result) float64 { return r.CPUPerJoinUS }, func(r *Ratio) float64 { return r.CPUPerJoin })
	row("  of it in the kernel", "µs", func(r *Result) float64 { return r.SysPerJoinUS }, nil)
	row("read/write system calls per join", "", func(r *Result) float64 { return r.SyscallsPerJoin }, nil)
	row("phones' CPU per join (generator)", "µs", func(r *Result) float64 { return r.ClientPerJoinUS }, nil)
	row("frames per phone while joining", "", func(r *Result) float64 { return r.JoinFramesPerPhone }, nil)
	row("join request, mean", "ms", func(r *Result) float64 { return r.JoinRequestMS }, nil)
	row("socket open, mean", "ms", func(r *Result) float64 { return r.SocketOpenMS }, nil)
	row("fan-out p50, last phone", "ms", func(r *Result) float64 { return r.FanoutP50MS }, func(r *Ratio) float64 { return r.FanoutP50 })
	row("fan-out p99, last phone", "ms", func(r *Result) float64 { return r.FanoutP99MS }, func(r *Ratio) float64 { return r.FanoutP99 })
	row("fan-out max, last phone", "ms", func(r *Result) float64 { return r.FanoutMaxMS }, nil)
	row("delivery p50, any phone", "ms", func(r *Result) float64 { return r.DeliveryP50MS }, nil)
	row("delivery p99, any phone", "ms", func(r *Result) float64 { return r.DeliveryP99MS }, nil)
	row("undelivered", "phone×question", func(r *Result) float64 { return float64(r.Undelivered) }, nil)
	row("answers sent", "", func(r *Result) float64 { return float64(r.AnswersSent) }, nil)
	row("answers acked", "", func(r *Result) float64 { return float64(r.AnswersAcked) }, nil)
	row("ack p50", "ms", func(r *Result) float64 { return r.AckP50MS }, nil)
	row("ack p99", "ms", func(r *Result) float64 { return r.AckP99MS }, func(r *Ratio) float64 { return r.AckP99 })
	fmt.Fprintf(w, "  %-36s %11.2f\n", "last answer → all counted p50 (ms)", rep.Huddle.BurstP50MS)
	fmt.Fprintf(w, "  %-36s %11.2f\n", "last answer → all counted max (ms)", rep.Huddle.BurstMaxMS)
	fmt.Fprintf(w, "  %-36s %11d\n", "questions not all counted", rep.Huddle.NotCounted)
	fmt.Fprintf(w, "  %-36s %11.0f\n", "answers/s (first sent → counted)", rep.Huddle.AnswersPerSec)
	row("state frame", "bytes", func(r *Result) float64 { return float64(r.PayloadBytes) }, nil)
	row("frames delivered", "", func(r *Result) float64 { return float64(r.FramesDelivered) }, nil)
	row("frames per phone and question", "", func(r *Result) float64 { return r.FramesPerPhoneQuestion }, nil)
	row("server CPU", "s", func(r *Result) float64 { return r.CPUSeconds }, nil)
	row("server CPU", "% of a core", func(r *Result) float64 { return r.CPUPercent }, nil)
	row("CPU per delivered frame", "µs", func(r *Result) float64 { return r.CPUPerMsgUS }, func(r *Ratio) float64 { return r.CPUPerMsg })
	row("CPU per phone and question", "µs", func(r *Result) float64 { return r.CPUPerPhoneQuestionUS }, func(r *Ratio) float64 { return r.CPUPerPhoneQuestion })
	row("  of it in the kernel", "µs", func(r *Result) float64 { return r.SysPerPhoneQuestionUS }, nil)
	row("read/write syscalls per phone and q.", "", func(r *Result) float64 { return r.SyscallsPerPhoneQuestion }, nil)
	row("allocated per phone and question", "bytes", func(r *Result) float64 { return r.AllocPerPhoneQuestionB }, nil)
	row("RSS joined", "MB", func(r *Result) float64 { return r.RSSJoinedMB }, nil)
	row("RSS per phone", "KB", func(r *Result) float64 { return r.RSSPerPhoneKB }, func(r *Ratio) float64 { return r.RSSPerPhone })
	row("live heap per phone", "KB", func(r *Result) float64 { return r.HeapPerPhoneKB }, nil)
	row("goroutine stacks per phone", "KB", func(r *Result) float64 { return r.StackPerPhoneKB }, nil)
	row("goroutines per phone", "", func(r *Result) float64 { return r.GoroutinesPerPhone }, nil)
	row("error frames", "", func(r *Result) float64 { return float64(r.ErrorFrames) }, nil)
	row("dropped sockets", "", func(r *Result) float64 { return float64(r.Dropped) }, nil)
	for _, x := range refs {
		fmt.Fprintf(w, "  RSS per phone, huddle − %s: %+.1f KB\n", x.r.Target, x.ratio.RSSPerPhoneMoreKB)
	}
	if f := rep.Huddle.FanoutMS; len(f) > 0 && len(f) <= 40 {
		fmt.Fprintf(w, "  huddle's fan-out per question (ms):")
		for _, v := range f {
			fmt.Fprintf(w, " %.0f", v)
		}
		fmt.Fprintln(w)
	}
	if rep.Huddle.StoreWrites > 0 {
		fmt.Fprintf(w, "  %-36s %11.2f  (%d writes, %d events)\n", "store writes/s per room", rep.Huddle.StoreWritesPerSec, rep.Huddle.StoreWrites, rep.Huddle.StoreEvents)
	}
	if rs := rep.Huddle.Restart; rs != nil {
		fmt.Fprintf(w, "  restart after a crash: %d events in the log, %d replayed after a snapshot of %.1f MB; the server's restore %.0f ms\n", rs.Events, rs.Replayed, rs.SnapshotMB, rs.RestoreMS)
		fmt.Fprintf(w, "    start → rooms restored, listening: %.0f ms; → first phone's view: %.0f ms; → all %d phones' views: %.0f ms; RSS %.0f MB\n",
			rs.ToHealthyMS, rs.ToFirstViewMS, rs.Resynced, rs.ToAllViewsMS, rs.RSSMB)
	}
	if lb := rep.Huddle.Leaderboard; len(lb) > 0 {
		fmt.Fprintf(w, "  leaderboard:")
		for _, t := range lb[:min(3, len(lb))] {
			fmt.Fprintf(w, " %d. %s %d;", t.Rank, t.Name, t.Points)
		}
		fmt.Fprintln(w)
	}
}
