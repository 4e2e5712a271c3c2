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
// - Journeys are generated lazily. One priority queue, ordered by delivery
//   time, holds two kinds of entries: "generator" entries (an active client,
//   keyed by the time its next milestone occurs) and event entries (keyed by
//   recorded_at, or later for late deliveries and duplicates). recorded_at is
//   never before occurred_at and every pushed key is at or after the key just
//   popped, so popping yields events sorted by delivery time while memory stays
//   O(active clients + events recorded in the next day + delayed events).
// - All distributions are hand-written transforms of uniform doubles
//   (Box-Muller for normals), so the stream is the same on every standard
//   library.
//
// Realism, per chain (the rules are generic over any ChainModel):
// - stages are walked in rank order, milestones of a stage in definition
//   order; a milestone is reported by the stage owner when allowed (80 % when
//   others may too), else by one of its allowed partners;
// - the handover delay between stages is lognormal with median 0.6 x the
//   chain's norm and sigma 0.6 (about 20 % breach the norm); without a norm the
//   median is 4 days, or 120 days into a terminal stage (the support or
//   aftercare period before closing); milestones within a stage are hours to
//   days apart; milestones after the first of a run fall in office hours
//   (Mon-Fri 08:00-18:00 in the chain's time zone);
// - 12 % of runs stop before the end (drop-outs: open, stuck cases);
// - 8 % of completed clients come back after months (re-entry) and run again
//   from stage 1 when stage 0 is a front door owned by another partner (back
//   to the shelter), else from stage 0 (re-detention starts at insluiting);
// - 10 % of runs are urgent: attribute urgent=true on the first event and a
//   first handover within about a day; the first event of every run names the
//   client's municipality (attribute gemeente).
#include "connectors/simulate/simulator.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <queue>
#include <string>
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

// Moves an instant outside office hours (Mon-Fri 08:00-18:00 local) to the
// start of the next working morning, spread over its first three hours.
int64_t office_hours(int64_t ms, const Offsets& offsets, uint64_t& rng) {
  const int64_t offset = offsets.at(ms);
  const int64_t local = ms + offset;
  const int64_t day = floor_div(local, kDay);
  const int64_t time_of_day = local - day * kDay;
  const int weekday = static_cast<int>(((day % 7) + 7 + 4) % 7);  // 0 = Sunday
  const bool working_day = weekday >= 1 && weekday <= 5;
  if (working_day && time_of_day >= 8 * kHour && time_of_day < 18 * kHour) return ms;
  int64_t target = day;
  if (!(working_day && time_of_day < 8 * kHour)) {
    target += weekday == 5 ? 3 : weekday == 6 ? 2 : 1;
  }
  const int64_t spread = static_cast<int64_t>(uniform(rng) * static_cast<double>(3 * kHour));
  return target * kDay + 8 * kHour + spread - offset;
}

// --- the queue ----------------------------------------------------------------

enum class Kind : uint8_t { kGenerator, kEvent, kCorrection, kWithdrawal };

// Attribute bits of an event: the municipality index (plus one) in the low
// bits, urgent in the top bit.
constexpr uint8_t kUrgentBit = 0x80;

struct Entry {
  int64_t key = 0;       // delivery time (ms)
  uint64_t order = 0;    // insertion counter: equal keys keep insertion order
  int64_t occurred = 0;  // event: occurred_at (ms)
  int64_t recorded = 0;  // event: recorded_at (ms)
  uint64_t client = 0;   // event: client index; generator: slot in the client table
  uint32_t seq = 0;      // event: sequence number within the client
  int16_t milestone = 0;
  int16_t partner = 0;
  Kind kind = Kind::kEvent;
  uint8_t attributes = 0;
};

struct Later {
  bool operator()(const Entry& a, const Entry& b) const {
    return a.key != b.key ? a.key > b.key : a.order > b.order;
  }
};

// An active client: where it is in the chain and its random stream.
struct Client {
  uint64_t index = 0;
  uint64_t rng = 0;
  int64_t last_occurred = std::numeric_limits<int64_t>::min();
  uint32_t seq = 0;        // sequence number of the next event
  uint32_t remaining = 0;  // events left in this run before a drop-out
  int16_t position = 0;    // next milestone: position in the plan ...
  int16_t step = 0;        // ... and index within that stage
  uint8_t runs = 1;
  uint8_t gemeente = 0;
  bool first_of_run = true;  // the next event starts a run
  bool urgent = false;
  bool handed_over = false;  // the run has left its first stage
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
    uint64_t arrived = 0;
    double position = 0.0;  // arrival within the year, in [0, 1)
    int64_t next_arrival = 0;
    auto draw_arrival = [&] {
      // Next of the n sorted uniforms: 1 - U^(1/k) of the remaining interval.
      const double k = static_cast<double>(options_.clients - arrived);
      position += (1.0 - position) * (1.0 - std::pow(uniform(arrival_rng_), 1.0 / k));
      next_arrival =
          options_.start_ms + static_cast<int64_t>(position * static_cast<double>(kYear));
    };
    draw_arrival();
    while (true) {
      if (arrived < options_.clients && (queue_.empty() || next_arrival <= queue_.top().key)) {
        admit(arrived, next_arrival);
        ++arrived;
        if (arrived < options_.clients) draw_arrival();
        continue;
      }
      if (queue_.empty()) break;
      const Entry entry = queue_.top();
      queue_.pop();
      if (entry.kind == Kind::kGenerator) {
        step(entry);
      } else {
        deliver(entry);
      }
    }
    return emitted_;
  }

 private:
  void push(Entry entry) {
    entry.order = order_++;
    queue_.push(entry);
  }

  void admit(uint64_t index, int64_t at) {
    uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      slot = static_cast<uint32_t>(clients_.size());
      clients_.emplace_back();
    }
    Client& c = clients_[slot];
    c = Client{};
    c.index = index;
    c.rng = mix64(options_.seed * 0x9e3779b97f4a7c15ULL + mix64(index + 0x5851f42d4c957f2dULL));
    const double g = uniform(c.rng);
    c.gemeente = static_cast<uint8_t>(
        std::min(kGemeenteCount - 1, static_cast<int>(g * g * kGemeenteCount)));
    start_run(c, 0);
    Entry gen;
    gen.kind = Kind::kGenerator;
    gen.key = at;
    gen.client = slot;
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
    if (auto norm = chain_.norm(plan_.stage[static_cast<size_t>(from)],
                                plan_.stage[static_cast<size_t>(to)])) {
      median = kNormMedian * *norm * static_cast<double>(kDay);
      sigma = kNormSigma;
    } else if (plan_.into_terminal[static_cast<size_t>(to)]) {
      median = 120.0 * static_cast<double>(kDay);
      sigma = 0.5;
    } else {
      median = 4.0 * static_cast<double>(kDay);
      sigma = 0.8;
    }
    if (c.urgent && !c.handed_over) median = std::min(median, 0.8 * static_cast<double>(kDay));
    return lognormal_ms(c.rng, median, sigma);
  }

  // Generates the client's next event and schedules the one after it.
  void step(const Entry& gen) {
    const uint32_t slot = static_cast<uint32_t>(gen.client);
    Client& c = clients_[slot];
    const int position = c.position;
    const auto& stage_milestones = plan_.milestones[static_cast<size_t>(position)];
    const int milestone = stage_milestones[static_cast<size_t>(c.step)];
    const int64_t occurred = gen.key;

    Entry event;
    event.kind = Kind::kEvent;
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
      next = office_hours(occurred + lognormal_ms(c.rng, 20.0 * kHour, 1.0), offsets_, c.rng);
    } else {
      next = office_hours(occurred + handover_delay(c, position, position + 1), offsets_, c.rng);
      c.position = static_cast<int16_t>(position + 1);
      c.step = 0;
      c.handed_over = true;
    }
    // Strictly later than this event, so the path order is unambiguous.
    if (more && next < occurred + kMinute) next = occurred + kMinute + (next_u64(c.rng) % kHour);

    schedule(event, previous, more ? next : std::numeric_limits<int64_t>::max());

    if (more) {
      Entry again = gen;
      again.key = next;
      push(again);
    } else {
      free_.push_back(slot);
    }
  }

  // Uniform for fault `purpose` of one event: a hash, independent of journeys.
  double fault(const Entry& e, uint64_t purpose) const {
    return to_unit(mix64(mix64(fault_key_ + e.client) ^ ((uint64_t{e.seq} << 8) | purpose)));
  }

  // Pushes an original event and the faults that go with it.
  void schedule(Entry event, int64_t previous, int64_t next) {
    event.key = event.recorded;
    if (disorder_ > 0 && fault(event, 1) < disorder_) {
      event.key += log_uniform_ms(fault(event, 2), 10.0 * kMinute, 20.0 * kDay);
    }
    push(event);
    if (duplicates_ > 0 && fault(event, 3) < duplicates_) {
      Entry copy = event;
      copy.key += log_uniform_ms(fault(event, 4), 1'000.0, 3.0 * kDay);
      push(copy);
    }
    if (corrections_ > 0 && fault(event, 5) < corrections_) {
      Entry fix = event;
      if (event.seq > 0 && fault(event, 6) < kWithdrawal) {
        fix.kind = Kind::kWithdrawal;
      } else {
        fix.kind = Kind::kCorrection;
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
      fix.key = fix.recorded;
      if (disorder_ > 0 && fault(event, 9) < disorder_) {
        fix.key += log_uniform_ms(fault(event, 10), 10.0 * kMinute, 20.0 * kDay);
      }
      push(fix);
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

  void deliver(const Entry& e) {
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
    if (e.kind == Kind::kCorrection || e.kind == Kind::kWithdrawal) {
      event_.set_corrects_event_id(id_.data(), base_length);
      out = append(out, "-c1");
    } else {
      event_.clear_corrects_event_id();
    }
    event_.set_event_id(id_.data(), static_cast<size_t>(out - id_.data()));
    event_.set_retracted(e.kind == Kind::kWithdrawal);

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

  std::priority_queue<Entry, std::vector<Entry>, Later> queue_;
  uint64_t order_ = 0;
  std::vector<Client> clients_;
  std::vector<uint32_t> free_;
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
