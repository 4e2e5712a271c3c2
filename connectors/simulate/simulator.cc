// simulate(): a streaming generator of partner events for one chain.
//
// How it works
// - Clients arrive over one year from start_ms as the order statistics of
//   uniform draws (a Poisson process conditioned on the count), generated in
//   ascending order one at a time.
// - Every client owns a small random stream (splitmix64, 8 bytes of state;
//   std::mt19937_64 would cost 2.5 KB per active client) seeded from
//   (seed, client index), so a client's journey does not depend on how the
//   deliveries of other clients interleave. Delivery faults (disorder,
//   duplicates, corrections) are drawn from a separate stateless hash of
//   (seed, client, sequence number), so switching faults on or off never
//   changes the journeys themselves: a run with disorder and duplicates holds
//   exactly the events of the clean run.
// - Journeys are generated lazily. One monotone priority queue (RadixQueue),
//   ordered by due time, holds: the next arrival; one "generator" entry per
//   active client, carrying the client's whole state and due when its next
//   milestone occurs; and events, due at recorded_at (or later for late
//   deliveries and duplicates). recorded_at is never before occurred_at and
//   every entry is pushed at or after the time just popped, so events come
//   out sorted by delivery time while memory stays O(active clients + events
//   recorded within the next day + delayed events): under 200 MB at the peak
//   of 1 M clients.
// - No std:: distributions (implementation-defined): only hand-written
//   transforms of uniform doubles (Box-Muller for normals), so the stream
//   depends on nothing but libm's exp/log/cos/pow.
//
// Realism, per chain (the rules are generic over any ChainModel):
// - stages are walked in rank order, milestones of a stage in definition
//   order; a milestone is reported by the stage owner when allowed (80 % when
//   others may too), else by one of its allowed partners;
// - the handover delay between stages is lognormal with median 0.6 x the
//   chain's norm and sigma 0.6 (about 20 % breach the norm); without a norm the
//   median is 4 days, or half a year plus about three weeks into a terminal
//   stage (closing follows a period of support, aftercare or work: afschaling,
//   nazorg afgesloten, werk_6_maanden); milestones within a stage are hours to
//   days apart; milestones after the first of a run fall in office hours
//   (Mon-Fri 08:00-18:00 in the chain's time zone; weekend work lands on
//   Friday or Monday);
// - 12 % of runs stop before the end (drop-outs: open, stuck cases);
// - 8 % of completed clients come back after months (re-entry) and run again
//   from stage 1 when stage 0 is a front door owned by another partner (back
//   to the shelter), else from stage 0 (re-detention starts at insluiting);
// - 10 % of runs are urgent: attribute urgent=true on the first event and a
//   first handover within about a day; the first event of every run names the
//   client's municipality (attribute gemeente).
#include "connectors/simulate/simulator.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>
#include <functional>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <date/tz.h>

namespace ketenflow::simulate {
namespace {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kYear = 365 * kDay;

constexpr double kDropOut = 0.12;     // share of runs that stop before the end
constexpr double kReentry = 0.08;     // share of completed clients that come back
constexpr int kMaxRuns = 4;           // a client runs the chain at most this often
constexpr double kUrgent = 0.10;      // share of urgent runs
constexpr double kOwnerShare = 0.80;  // owner reports when others may too
constexpr double kWithdrawal = 0.20;  // share of corrections that are withdrawals
constexpr double kNormMedian = 0.60;  // median handover delay as a share of the norm
constexpr double kNormSigma = 0.60;

// Municipalities of the Den Bosch region; the first ones are drawn most.
constexpr std::string_view kGemeenten[] = {
    "denbosch", "oss",      "vught",     "boxtel",     "sint-michielsgestel",
    "heusden",  "bernheze", "maasdriel", "meierijstad"};
constexpr int kGemeenteCount = static_cast<int>(std::size(kGemeenten));

// --- randomness ---------------------------------------------------------------

uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// splitmix64 (Steele, Lea & Flood 2014): tiny state, good enough statistics.
uint64_t next_u64(uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  return mix64(state);
}

// Uniform in (0, 1), never 0 or 1.
double to_unit(uint64_t bits) { return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53; }
double uniform(uint64_t& state) { return to_unit(next_u64(state)); }

// Standard normal from two uniforms (Box-Muller), cut at 4 sigma so that no
// delay runs away.
double normal_from(double u1, double u2) {
  const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  return std::clamp(z, -4.0, 4.0);
}

// Lognormal delay in ms with the given median and sigma.
int64_t lognormal_ms(uint64_t& state, double median_ms, double sigma) {
  const double u1 = uniform(state);
  const double u2 = uniform(state);
  return static_cast<int64_t>(median_ms * std::exp(sigma * normal_from(u1, u2)));
}

// Log-uniform in [lo, hi] from one uniform.
int64_t log_uniform_ms(double u, double lo, double hi) {
  return static_cast<int64_t>(lo * std::exp(u * std::log(hi / lo)));
}

// --- chain plan ---------------------------------------------------------------

// The walk through one chain, derived once per simulate() call.
struct Plan {
  std::vector<int> stage;                    // per position: stage index, in walk order
  std::vector<std::vector<int>> milestones;  // per position: milestone indexes
  std::vector<int> owner;                    // per position: owner partner index or -1
  std::vector<bool> into_terminal;           // per position: holds a terminal milestone
  std::vector<int> run_length;               // events of a complete run from here
  int reentry_position = -1;                 // -1: the chain has no terminal milestone
};

Plan make_plan(const model::ChainModel& chain) {
  Plan plan;
  std::vector<int> order;
  for (int s = 0; s < chain.stage_count(); ++s) order.push_back(s);
  // Rank order; unranked stages (rank 0) keep definition order after the ranked.
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    const uint64_t ra = chain.stage_rank(a) == 0 ? UINT64_MAX : chain.stage_rank(a);
    const uint64_t rb = chain.stage_rank(b) == 0 ? UINT64_MAX : chain.stage_rank(b);
    return ra < rb;
  });
  std::vector<std::vector<int>> by_stage(static_cast<size_t>(chain.stage_count()));
  for (size_t m = 0; m < chain.milestones.size(); ++m) {
    const int s = chain.milestones[m].stage;
    if (s >= 0 && s < chain.stage_count())
      by_stage[static_cast<size_t>(s)].push_back(static_cast<int>(m));
  }
  bool has_terminal = false;
  for (int s : order) {
    auto& ms = by_stage[static_cast<size_t>(s)];
    if (ms.empty()) continue;
    plan.stage.push_back(s);
    plan.owner.push_back(chain.partner(chain.def.stages(s).owner()));
    bool terminal = false;
    for (int m : ms) terminal = terminal || chain.milestones[static_cast<size_t>(m)].terminal;
    plan.into_terminal.push_back(terminal);
    has_terminal = has_terminal || terminal;
    plan.milestones.push_back(std::move(ms));
  }
  // Events of a complete run starting at each position: up to and including
  // the first terminal milestone, else to the end of the chain.
  const int n = static_cast<int>(plan.stage.size());
  plan.run_length.assign(static_cast<size_t>(n), 0);
  int after = 0;
  for (int p = n - 1; p >= 0; --p) {
    int count = 0;
    bool stop = false;
    for (int m : plan.milestones[static_cast<size_t>(p)]) {
      ++count;
      if (chain.milestones[static_cast<size_t>(m)].terminal) {
        stop = true;
        break;
      }
    }
    after = stop ? count : count + after;
    plan.run_length[static_cast<size_t>(p)] = after;
  }
  if (has_terminal && n > 1) {
    // A front door owned by someone else (the municipality's sign-up before
    // the shelter) is skipped by a returning client.
    const bool front_door = plan.owner[0] != plan.owner[1] && !plan.into_terminal[1];
    plan.reentry_position = front_door ? 1 : 0;
  }
  return plan;
}

// --- time of day --------------------------------------------------------------

// UTC offsets of the chain's time zone over the simulated period.
struct Offsets {
  std::vector<int64_t> begin_ms;   // sorted
  std::vector<int64_t> offset_ms;  // parallel

  int64_t at(int64_t ms) const {
    auto it = std::upper_bound(begin_ms.begin(), begin_ms.end(), ms);
    if (it == begin_ms.begin()) return offset_ms.empty() ? 0 : offset_ms.front();
    return offset_ms[static_cast<size_t>(it - begin_ms.begin() - 1)];
  }
};

Offsets make_offsets(const date::time_zone* zone, int64_t from_ms, int64_t to_ms) {
  Offsets offsets;
  if (zone == nullptr) return offsets;
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  date::sys_seconds t{duration_cast<seconds>(milliseconds(from_ms))};
  const date::sys_seconds end{duration_cast<seconds>(milliseconds(to_ms))};
  for (int guard = 0; guard < 1000; ++guard) {
    const date::sys_info info = zone->get_info(t);
    offsets.begin_ms.push_back(
        offsets.begin_ms.empty()
            ? std::numeric_limits<int64_t>::min()
            : duration_cast<milliseconds>(info.begin.time_since_epoch()).count());
    offsets.offset_ms.push_back(duration_cast<milliseconds>(info.offset).count());
    if (info.end >= end || info.end <= t) break;
    t = info.end;
  }
  return offsets;
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Places an instant outside office hours (Mon-Fri 08:00-18:00 local) at a
// random office-hour moment of the same day, or of Friday for a Saturday and
// Monday for a Sunday — or, when that would not be after `not_before`, of the
// next working day.
int64_t office_hours(int64_t ms, int64_t not_before, const Offsets& offsets, uint64_t& rng) {
  const int64_t offset = offsets.at(ms);
  const int64_t local = ms + offset;
  const int64_t day = floor_div(local, kDay);
  const int64_t time_of_day = local - day * kDay;
  auto weekday = [](int64_t d) { return static_cast<int>(((d % 7) + 7 + 4) % 7); };  // 0 = Sunday
  const int today = weekday(day);
  const bool working_day = today >= 1 && today <= 5;
  if (working_day && time_of_day >= 8 * kHour && time_of_day < 18 * kHour) return ms;
  const int64_t during =
      8 * kHour + static_cast<int64_t>(uniform(rng) * static_cast<double>(10 * kHour));
  int64_t target = today == 6 ? day - 1 : today == 0 ? day + 1 : day;
  const int64_t placed = target * kDay + during - offset;
  if (placed > not_before) return placed;
  target = day + 1;
  while (weekday(target) == 0 || weekday(target) == 6) ++target;
  return target * kDay + during - offset;
}

// --- the queue ----------------------------------------------------------------

enum class Kind : uint8_t { kArrival, kGenerator, kEvent, kCorrection, kWithdrawal };

// Attribute bits of an event: the municipality index (plus one) in the low
// bits, urgent in the top bit.
constexpr uint8_t kUrgentBit = 0x80;

// One original event, duplicate, correction or withdrawal.
struct Event {
  int64_t occurred;  // ms
  int64_t recorded;  // ms
  uint64_t client;   // client index
  uint32_t seq;      // sequence number within the client
  int16_t milestone;
  int16_t partner;
  uint8_t attributes;
};

// An active client: where it is in the chain and its random stream. It
// travels through the queue in its own generator entry, so stepping a client
// touches no other memory.
struct Client {
  uint64_t index;
  uint64_t rng;
  int64_t last_occurred;  // of the previous event, or INT64_MIN
  uint32_t seq;           // sequence number of the next event
  uint32_t remaining;     // events left in this run before a drop-out
  int16_t position;       // next milestone: position in the plan ...
  int16_t step;           // ... and index within that stage
  uint8_t runs;
  uint8_t gemeente;
  bool first_of_run;  // the next event starts a run
  bool urgent;
  bool handed_over;  // the run has left its first stage
};

// A queue entry: due at `key` (ms). Arrivals carry nothing, generators a
// Client (due when its next milestone occurs), the others an Event (due at
// recorded_at, or later when delivered late or repeated).
struct Entry {
  int64_t key;
  Kind kind;
  union {
    Event event;
    Client client;
  };
};

// A monotone priority queue (radix heap, Ahuja et al. 1990): pushed keys are
// never below the last popped key, which holds here because every entry is
// scheduled at or after the moment it is created. Entries sit in 65 buckets
// by the highest bit in which their key differs from the last popped key;
// each entry moves down a few times at most, and the buckets are scanned
// sequentially, so a million pending clients stay cache-friendly (a binary
// heap of that size spends its time on cache misses). Equal keys pop in a
// fixed (last-in, first-out) order, so the output is deterministic.
class RadixQueue {
 public:
  bool empty() const { return size_ == 0; }

  void push(const Entry& entry) {
    buckets_[bucket(ordered(entry.key))].push_back(entry);
    ++size_;
  }

  // Precondition: !empty().
  Entry pop() {
    if (buckets_[0].empty()) {
      size_t i = 1;
      while (buckets_[i].empty()) ++i;
      std::vector<Entry>& from = buckets_[i];
      uint64_t least = UINT64_MAX;
      for (const Entry& e : from) least = std::min(least, ordered(e.key));
      last_ = least;
      for (const Entry& e : from) buckets_[bucket(ordered(e.key))].push_back(e);
      from.clear();
    }
    const Entry entry = buckets_[0].back();
    buckets_[0].pop_back();
    --size_;
    return entry;
  }

 private:
  // Signed ms as unsigned with the same order.
  static uint64_t ordered(int64_t key) { return static_cast<uint64_t>(key) ^ (uint64_t{1} << 63); }
  size_t bucket(uint64_t key) const {
    return key == last_ ? 0 : static_cast<size_t>(64 - std::countl_zero(key ^ last_));
  }

  std::array<std::vector<Entry>, 65> buckets_;
  uint64_t last_ = 0;
  size_t size_ = 0;
};

class Simulation {
 public:
  Simulation(const model::ChainModel& chain, const SimulationOptions& options,
             const std::function<void(const v1::ClientEvent&)>& emit)
      : chain_(chain), options_(options), emit_(emit), plan_(make_plan(chain)) {
    disorder_ = std::clamp(options.disorder, 0.0, 1.0);
    duplicates_ = std::clamp(options.duplicates, 0.0, 1.0);
    corrections_ = std::clamp(options.corrections, 0.0, 1.0);
    offsets_ = make_offsets(chain.zone, options.start_ms - 2 * kDay, options.start_ms + 60 * kYear);
    ref_key_ = mix64(options.seed ^ 0x636c69656e742d72ULL);
    fault_key_ = mix64(options.seed ^ 0x6661756c74732121ULL);
    arrival_rng_ = mix64(options.seed ^ 0x617272697665616cULL);
    event_.set_chain_id(chain.def.id());
  }

  uint64_t run() {
    if (plan_.stage.empty() || options_.clients == 0) return 0;
    // The next arrival waits in the queue like everything else.
    schedule_arrival();
    while (!queue_.empty()) {
      const Entry entry = queue_.pop();
      switch (entry.kind) {
        case Kind::kArrival:
          admit(arrived_++, entry.key);
          if (arrived_ < options_.clients) schedule_arrival();
          break;
        case Kind::kGenerator:
          step(entry);
          break;
        default:
          deliver(entry);
      }
    }
    return emitted_;
  }

 private:
  void push(const Entry& entry) { queue_.push(entry); }

  // Arrivals are the order statistics of `clients` uniform draws over the
  // year, generated in ascending order: the next one is 1 - U^(1/k) of the
  // way through the rest of the year, with k clients still to come.
  void schedule_arrival() {
    const double k = static_cast<double>(options_.clients - arrived_);
    arrival_position_ +=
        (1.0 - arrival_position_) * (1.0 - std::pow(uniform(arrival_rng_), 1.0 / k));
    Entry arrival{};
    arrival.kind = Kind::kArrival;
    arrival.key =
        options_.start_ms + static_cast<int64_t>(arrival_position_ * static_cast<double>(kYear));
    push(arrival);
  }

  void admit(uint64_t index, int64_t at) {
    Entry gen{};
    gen.kind = Kind::kGenerator;
    gen.key = at;
    gen.client = Client{};
    Client& c = gen.client;
    c.index = index;
    c.rng = mix64(options_.seed * 0x9e3779b97f4a7c15ULL + mix64(index + 0x5851f42d4c957f2dULL));
    c.last_occurred = std::numeric_limits<int64_t>::min();
    c.seq = 0;
    c.runs = 1;
    const double g = uniform(c.rng);
    c.gemeente = static_cast<uint8_t>(
        std::min(kGemeenteCount - 1, static_cast<int>(g * g * kGemeenteCount)));
    start_run(c, 0);
    push(gen);
  }

  void start_run(Client& c, int position) {
    c.position = static_cast<int16_t>(position);
    c.step = 0;
    c.first_of_run = true;
    c.handed_over = false;
    c.urgent = uniform(c.rng) < kUrgent;
    const int length = plan_.run_length[static_cast<size_t>(position)];
    const double u = uniform(c.rng);
    const double v = uniform(c.rng);
    c.remaining = UINT32_MAX;
    if (length >= 2 && u < kDropOut) {
      c.remaining = 1 + static_cast<uint32_t>(v * (length - 1));
    }
  }

  int pick_partner(Client& c, int milestone, int position) {
    const auto& allowed = chain_.milestones[static_cast<size_t>(milestone)].partners;
    if (allowed.empty()) return std::max(0, plan_.owner[static_cast<size_t>(position)]);
    if (allowed.size() == 1) return allowed[0];
    const int owner = plan_.owner[static_cast<size_t>(position)];
    const bool owner_allowed = std::binary_search(allowed.begin(), allowed.end(), owner);
    const double u = uniform(c.rng);
    if (owner_allowed) {
      if (u < kOwnerShare) return owner;
      // One of the others, uniformly.
      const double w = (u - kOwnerShare) / (1.0 - kOwnerShare);
      size_t k = std::min(allowed.size() - 2,
                          static_cast<size_t>(w * static_cast<double>(allowed.size() - 1)));
      for (int p : allowed) {
        if (p == owner) continue;
        if (k == 0) return p;
        --k;
      }
      return owner;
    }
    return allowed[std::min(allowed.size() - 1,
                            static_cast<size_t>(u * static_cast<double>(allowed.size())))];
  }

  // Delay from the last event of the stage at `from` to the first of `to`.
  int64_t handover_delay(Client& c, int from, int to) {
    double median;
    double sigma;
    int64_t at_least = 0;
    if (auto norm = chain_.norm(plan_.stage[static_cast<size_t>(from)],
                                plan_.stage[static_cast<size_t>(to)])) {
      median = kNormMedian * *norm * static_cast<double>(kDay);
      sigma = kNormSigma;
    } else if (plan_.into_terminal[static_cast<size_t>(to)]) {
      // Closing follows half a year of support, aftercare or work.
      at_least = 182 * kDay;
      median = 21.0 * static_cast<double>(kDay);
      sigma = 1.0;
    } else {
      median = 4.0 * static_cast<double>(kDay);
      sigma = 0.8;
    }
    if (c.urgent && !c.handed_over) median = std::min(median, 0.8 * static_cast<double>(kDay));
    return at_least + lognormal_ms(c.rng, median, sigma);
  }

  // Generates the client's next event and schedules the one after it.
  void step(Entry gen) {
    Client& c = gen.client;
    const int position = c.position;
    const auto& stage_milestones = plan_.milestones[static_cast<size_t>(position)];
    const int milestone = stage_milestones[static_cast<size_t>(c.step)];
    const int64_t occurred = gen.key;

    Event event{};
    event.client = c.index;
    event.seq = c.seq++;
    event.milestone = static_cast<int16_t>(milestone);
    event.partner = static_cast<int16_t>(pick_partner(c, milestone, position));
    event.occurred = occurred;
    // Recorded minutes to hours later, never more than a day.
    event.recorded = occurred + std::clamp<int64_t>(lognormal_ms(c.rng, 25.0 * kMinute, 1.3),
                                                    15'000, 20 * kHour);
    if (c.first_of_run) {
      event.attributes = static_cast<uint8_t>(c.gemeente + 1) | (c.urgent ? kUrgentBit : 0);
    }
    c.first_of_run = false;
    const int64_t previous = c.last_occurred;
    c.last_occurred = occurred;
    if (c.remaining != UINT32_MAX) --c.remaining;

    // Where next?
    bool more = true;
    int64_t next = 0;
    const bool terminal = chain_.milestones[static_cast<size_t>(milestone)].terminal;
    const bool last_in_stage = c.step + 1 == static_cast<int>(stage_milestones.size());
    const bool last_in_chain =
        last_in_stage && position + 1 == static_cast<int>(plan_.stage.size());
    if (terminal || last_in_chain) {
      if (terminal && plan_.reentry_position >= 0 && c.runs < kMaxRuns &&
          uniform(c.rng) < kReentry) {
        ++c.runs;
        next = occurred + lognormal_ms(c.rng, 150.0 * kDay, 0.7);
        start_run(c, plan_.reentry_position);
      } else {
        more = false;
      }
    } else if (c.remaining == 0) {
      more = false;  // drop-out: the client stays where it is
    } else if (!last_in_stage) {
      ++c.step;
      next = office_hours(occurred + lognormal_ms(c.rng, 20.0 * kHour, 1.0), occurred + kMinute,
                          offsets_, c.rng);
    } else {
      next = office_hours(occurred + handover_delay(c, position, position + 1), occurred + kMinute,
                          offsets_, c.rng);
      c.position = static_cast<int16_t>(position + 1);
      c.step = 0;
      c.handed_over = true;
    }
    // Strictly later than this event, so the path order is unambiguous.
    if (more && next < occurred + kMinute) next = occurred + kMinute + (next_u64(c.rng) % kHour);

    schedule(event, previous, more ? next : std::numeric_limits<int64_t>::max());

    if (more) {
      gen.key = next;
      push(gen);
    }
  }

  // Uniform for fault `purpose` of one event: a hash, independent of journeys.
  double fault(const Event& e, uint64_t purpose) const {
    return to_unit(mix64(mix64(fault_key_ + e.client) ^ ((uint64_t{e.seq} << 8) | purpose)));
  }

  void push_event(Kind kind, int64_t key, const Event& event) {
    Entry entry{};
    entry.kind = kind;
    entry.key = key;
    entry.event = event;
    push(entry);
  }

  // Pushes an original event and the faults that go with it.
  void schedule(const Event& event, int64_t previous, int64_t next) {
    int64_t key = event.recorded;
    if (disorder_ > 0 && fault(event, 1) < disorder_) {
      key += log_uniform_ms(fault(event, 2), 10.0 * kMinute, 20.0 * kDay);
    }
    push_event(Kind::kEvent, key, event);
    if (duplicates_ > 0 && fault(event, 3) < duplicates_) {
      push_event(Kind::kEvent, key + log_uniform_ms(fault(event, 4), 1'000.0, 3.0 * kDay), event);
    }
    if (corrections_ > 0 && fault(event, 5) < corrections_) {
      Event fix = event;
      Kind kind = Kind::kCorrection;
      if (event.seq > 0 && fault(event, 6) < kWithdrawal) {
        kind = Kind::kWithdrawal;
      } else {
        // Shift within a day, at most halfway to the neighbouring events.
        const int64_t back = previous == std::numeric_limits<int64_t>::min()
                                 ? kDay
                                 : std::min(kDay, (event.occurred - previous) / 2);
        const int64_t ahead = next == std::numeric_limits<int64_t>::max()
                                  ? kDay
                                  : std::min(kDay, (next - event.occurred) / 2);
        const double u = fault(event, 7);
        fix.occurred =
            event.occurred - back + static_cast<int64_t>(u * static_cast<double>(back + ahead));
        if (fix.occurred == event.occurred) fix.occurred += ahead > 1000 ? 1000 : 0;
      }
      fix.recorded = std::max(event.recorded, fix.occurred) +
                     log_uniform_ms(fault(event, 8), 1.0 * kMinute, 10.0 * kDay);
      int64_t fix_key = fix.recorded;
      if (disorder_ > 0 && fault(event, 9) < disorder_) {
        fix_key += log_uniform_ms(fault(event, 10), 10.0 * kMinute, 20.0 * kDay);
      }
      push_event(kind, fix_key, fix);
    }
  }

  static void set_time(google::protobuf::Timestamp* ts, int64_t ms) {
    const int64_t seconds = floor_div(ms, 1000);
    ts->set_seconds(seconds);
    ts->set_nanos(static_cast<int32_t>((ms - seconds * 1000) * 1'000'000));
  }

  static char* append(char* out, std::string_view text) {
    return std::copy(text.begin(), text.end(), out);
  }

  void deliver(const Entry& entry) {
    const Event& e = entry.event;
    const Kind kind = entry.kind;
    // client_ref: "c-" + 16 hex digits of a bijective hash of the index.
    char ref[18] = {'c', '-'};
    uint64_t h = mix64(ref_key_ + e.client);
    for (int i = 17; i >= 2; --i, h >>= 4) ref[i] = "0123456789abcdef"[h & 15];
    event_.set_client_ref(ref, sizeof ref);

    // event_id: "<chain>-<client index>-<seq>", "-c1" for its correction.
    const std::string& chain_id = chain_.def.id();
    id_.resize(chain_id.size() + 48);
    char* out = append(id_.data(), chain_id);
    *out++ = '-';
    out = std::to_chars(out, out + 20, e.client).ptr;
    *out++ = '-';
    out = std::to_chars(out, out + 10, e.seq).ptr;
    const size_t base_length = static_cast<size_t>(out - id_.data());
    if (kind == Kind::kCorrection || kind == Kind::kWithdrawal) {
      event_.set_corrects_event_id(id_.data(), base_length);
      out = append(out, "-c1");
    } else {
      event_.clear_corrects_event_id();
    }
    event_.set_event_id(id_.data(), static_cast<size_t>(out - id_.data()));
    event_.set_retracted(kind == Kind::kWithdrawal);

    event_.set_type(chain_.def.milestones(e.milestone).id());
    event_.set_partner_id(chain_.def.partners(e.partner).id());
    set_time(event_.mutable_occurred_at(), e.occurred);
    set_time(event_.mutable_recorded_at(), e.recorded);
    auto& attributes = *event_.mutable_attributes();
    if (!attributes.empty()) attributes.clear();
    if (e.attributes != 0) {
      const int gemeente = (e.attributes & ~kUrgentBit) - 1;
      if (gemeente >= 0 && gemeente < kGemeenteCount) {
        attributes["gemeente"] = std::string(kGemeenten[gemeente]);
      }
      if (e.attributes & kUrgentBit) attributes["urgent"] = "true";
    }
    if (options_.end_ms != 0 && (e.occurred > options_.end_ms || e.recorded > options_.end_ms)) {
      return;
    }
    ++emitted_;
    emit_(event_);
  }

  const model::ChainModel& chain_;
  const SimulationOptions& options_;
  const std::function<void(const v1::ClientEvent&)>& emit_;
  const Plan plan_;
  Offsets offsets_;
  double disorder_ = 0;
  double duplicates_ = 0;
  double corrections_ = 0;
  uint64_t ref_key_ = 0;
  uint64_t fault_key_ = 0;
  uint64_t arrival_rng_ = 0;

  RadixQueue queue_;
  uint64_t arrived_ = 0;
  double arrival_position_ = 0.0;  // of the last arrival within the year, in [0, 1)
  uint64_t emitted_ = 0;
  v1::ClientEvent event_;
  std::string id_;
};

}  // namespace

uint64_t simulate(const model::ChainModel& chain, const SimulationOptions& options,
                  const std::function<void(const v1::ClientEvent&)>& emit) {
  Simulation simulation(chain, options, emit);
  return simulation.run();
}

}  // namespace ketenflow::simulate
