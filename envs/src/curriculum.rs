//! Level curricula: which training level each env plays next, chosen from scores of how much
//! there is to learn on each level. `dr` draws uniformly from the level set (domain
//! randomization); `plr` is Prioritized Level Replay (Jiang et al. 2021): a bounded buffer of
//! scored levels, replayed by rank with a temperature, mixed with staleness; `robust-plr`
//! (Jiang et al. 2021, "Replay-Guided Adversarial Environment Design") samples the same way,
//! and the trainer learns only from replayed levels. Levels are seeds of the run's level set;
//! every draw comes from the sampler's own PCG stream, so a sampler is a pure function of its
//! seed and the scores it is given, and its whole state serializes.

use std::fmt;
use std::str::FromStr;

use ludica_procgen::Rng;
use ludica_procgen::seeds::mix;
use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::core::engine::level_distribution::{LevelSpec, SEED_LIMIT};

/// The largest buffer a sampler keeps.
pub const MAX_BUFFER_SIZE: usize = 1 << 20;
/// The buffer size used when none is given: the whole level set, when it is smaller.
pub const DEFAULT_BUFFER_SIZE: usize = 4000;
/// PLR's temperature beta of the rank prioritization (the paper's Procgen setting).
pub const DEFAULT_TEMPERATURE: f64 = 0.1;
/// PLR's staleness coefficient rho: the share of the replay distribution given by staleness.
pub const DEFAULT_STALENESS: f64 = 0.1;
/// The probability of replaying a level from the buffer (robust PLR's 0.5); see
/// [`LevelSampler::next_level`] for how it grows with the buffer's fill.
pub const DEFAULT_REPLAY_PROB: f64 = 0.5;

/// Which curriculum chooses the levels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Curriculum {
    /// Domain randomization: every level of the set equally likely.
    #[default]
    Dr,
    /// Prioritized Level Replay.
    Plr,
    /// Robust PLR: as PLR, and the policy learns only from replayed levels.
    RobustPlr,
}

impl Curriculum {
    /// Every curriculum, by name.
    pub const ALL: [Curriculum; 3] = [Curriculum::Dr, Curriculum::Plr, Curriculum::RobustPlr];

    /// The name used by flags, config files and Python.
    pub fn name(self) -> &'static str {
        match self {
            Curriculum::Dr => "dr",
            Curriculum::Plr => "plr",
            Curriculum::RobustPlr => "robust-plr",
        }
    }

    /// Whether levels are replayed from a scored buffer (`plr`, `robust-plr`).
    pub fn replays(self) -> bool {
        self != Curriculum::Dr
    }

    /// Whether the policy learns only from replayed levels (`robust-plr`).
    pub fn learns_from_replays_only(self) -> bool {
        self == Curriculum::RobustPlr
    }
}

impl fmt::Display for Curriculum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Curriculum {
    type Err = CurriculumError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Curriculum::ALL.into_iter().find(|c| c.name() == s).ok_or_else(|| CurriculumError::UnknownCurriculum(s.into()))
    }
}

/// How a level's score is computed from the advantages of the steps played on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScoreFn {
    /// Mean of `max(A, 0)` (robust PLR's positive value loss).
    #[default]
    PositiveValueLoss,
    /// Mean of `|A|` (PLR's L1 value loss, the mean absolute GAE).
    AbsGae,
}

impl ScoreFn {
    /// Every score function, by name.
    pub const ALL: [ScoreFn; 2] = [ScoreFn::PositiveValueLoss, ScoreFn::AbsGae];

    /// The name used by flags, config files and Python.
    pub fn name(self) -> &'static str {
        match self {
            ScoreFn::PositiveValueLoss => "positive-value-loss",
            ScoreFn::AbsGae => "abs-gae",
        }
    }

    /// The score of one step's advantage; a level's score is the mean over its steps.
    pub fn of(self, advantage: f32) -> f64 {
        match self {
            ScoreFn::PositiveValueLoss => f64::from(advantage.max(0.0)),
            ScoreFn::AbsGae => f64::from(advantage.abs()),
        }
    }
}

impl fmt::Display for ScoreFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ScoreFn {
    type Err = CurriculumError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ScoreFn::ALL.into_iter().find(|c| c.name() == s).ok_or_else(|| CurriculumError::UnknownScore(s.into()))
    }
}

/// Bad settings of a sampler; each message names the value and what is allowed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CurriculumError {
    /// No curriculum of that name.
    #[error("curriculum '{0}' is unknown: use dr, plr or robust-plr")]
    UnknownCurriculum(String),
    /// No score function of that name.
    #[error("PLR score '{0}' is unknown: use positive-value-loss or abs-gae")]
    UnknownScore(String),
    /// A parameter outside its range.
    #[error("{what} = {got} is out of range: {allowed}")]
    OutOfRange {
        /// The parameter.
        what: &'static str,
        /// Its value.
        got: String,
        /// What is allowed.
        allowed: String,
    },
}

/// The settings of a PLR sampler, with the papers' defaults.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlrParams {
    /// Most levels in the buffer; 0 chooses: the whole level set, at most
    /// [`DEFAULT_BUFFER_SIZE`].
    pub buffer_size: usize,
    /// Temperature beta of the rank prioritization `(1 / rank)^(1 / beta)`; > 0.
    pub temperature: f64,
    /// Staleness coefficient rho in [0, 1]: `P = (1 - rho) P_score + rho P_staleness`.
    pub staleness: f64,
    /// Probability in [0, 1] of replaying a buffered level instead of trying a new one.
    pub replay_prob: f64,
    /// How a level's score is computed.
    pub score: ScoreFn,
}

impl Default for PlrParams {
    fn default() -> Self {
        PlrParams {
            buffer_size: 0,
            temperature: DEFAULT_TEMPERATURE,
            staleness: DEFAULT_STALENESS,
            replay_prob: DEFAULT_REPLAY_PROB,
            score: ScoreFn::default(),
        }
    }
}

impl PlrParams {
    /// Checks every parameter against `levels` and returns the buffer size to use.
    pub fn check(&self, levels: &LevelSpec) -> Result<usize, CurriculumError> {
        let bad = |what, got: String, allowed: &str| {
            Err(CurriculumError::OutOfRange { what, got, allowed: allowed.to_string() })
        };
        if !(self.temperature > 0.0 && self.temperature.is_finite()) {
            return bad("plr_temperature", self.temperature.to_string(), "must be a finite number > 0");
        }
        for (what, v) in [("plr_staleness", self.staleness), ("plr_replay_prob", self.replay_prob)] {
            if !(0.0..=1.0).contains(&v) {
                return bad(what, v.to_string(), "must be in [0, 1]");
            }
        }
        let set = if levels.num_levels == 0 { u64::MAX } else { levels.num_levels };
        let size = match self.buffer_size {
            0 => set.min(DEFAULT_BUFFER_SIZE as u64) as usize,
            n => n,
        };
        if size > MAX_BUFFER_SIZE {
            return bad("plr_buffer_size", size.to_string(), &format!("must be from 1 to {MAX_BUFFER_SIZE}"));
        }
        if size as u64 > set {
            return bad(
                "plr_buffer_size",
                size.to_string(),
                &format!("the buffer cannot hold more than the {set} training levels (num_levels)"),
            );
        }
        Ok(size)
    }
}

/// A level chosen for an env's next episode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick {
    /// Its seed.
    pub seed: u64,
    /// Whether it was replayed from the buffer (else a new level, to be scored).
    pub replay: bool,
}

/// A buffered level.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The level's seed.
    pub seed: u64,
    /// Its latest score.
    pub score: f64,
    /// The sampler's clock when it was last replayed or put in the buffer.
    pub last_sampled: u64,
    /// Times it was replayed from the buffer.
    pub replays: u64,
}

/// The score of a run of consecutive steps of one env on one level.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// The level's seed.
    pub seed: u64,
    /// Mean of the score function over the steps.
    pub score: f64,
    /// Steps.
    pub steps: u64,
    /// Whether the segment ends its episode.
    pub ended: bool,
}

/// What one call of [`LevelSampler::update`] did to a level.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelChange {
    /// The level's seed.
    pub seed: u64,
    /// Its score this time (step-weighted over its segments); `None` for an evicted level.
    pub score: Option<f64>,
    /// Steps scored.
    pub steps: u64,
    /// Episodes on it that ended among the segments.
    pub episodes: u64,
    /// Whether it is in the buffer after the call.
    pub in_buffer: bool,
}

/// A level sampler; see the module docs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelSampler {
    curriculum: Curriculum,
    levels: LevelSpec,
    params: PlrParams,
    capacity: usize,
    rng: Rng,
    /// Levels chosen so far: staleness is measured on it.
    clock: u64,
    buffer: Vec<Entry>,
}

impl LevelSampler {
    /// A sampler of `curriculum` over `levels` (seeds `start_level..start_level + num_levels`,
    /// unlimited when `num_levels` is 0) drawing from its own stream of `seed`.
    pub fn new(
        curriculum: Curriculum,
        levels: LevelSpec,
        params: PlrParams,
        seed: u64,
    ) -> Result<LevelSampler, CurriculumError> {
        levels.validate().map_err(|e| CurriculumError::OutOfRange {
            what: "levels",
            got: format!("{}..+{}", levels.start_level, levels.num_levels),
            allowed: e.to_string(),
        })?;
        let capacity = params.check(&levels)?;
        Ok(LevelSampler {
            curriculum,
            levels,
            params,
            capacity,
            rng: Rng::new(mix(seed), mix(CURRICULUM_STREAM)),
            clock: 0,
            buffer: Vec::new(),
        })
    }

    /// The curriculum.
    pub fn curriculum(&self) -> Curriculum {
        self.curriculum
    }

    /// The level set.
    pub fn levels(&self) -> &LevelSpec {
        &self.levels
    }

    /// The parameters.
    pub fn params(&self) -> &PlrParams {
        &self.params
    }

    /// Most levels the buffer holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The buffered levels (empty for `dr`).
    pub fn buffer(&self) -> &[Entry] {
        &self.buffer
    }

    /// Levels chosen so far.
    pub fn clock(&self) -> u64 {
        self.clock
    }

    /// The level of an env's next episode. `dr`: uniform over the set. PLR: a buffered
    /// level, drawn from [`replay_weights`](Self::replay_weights), with probability
    /// `min(replay_prob, fill)` where `fill` is the buffer's share of its capacity (always,
    /// once the buffer holds the whole level set), else a new level: uniform over the levels
    /// not in the buffer.
    pub fn next_level(&mut self) -> Pick {
        self.clock += 1;
        if !self.curriculum.replays() {
            let seed = self.new_level(&[]);
            return Pick { seed, replay: false };
        }
        let fill = self.buffer.len() as f64 / self.capacity as f64;
        let all_buffered = self.levels.num_levels == self.buffer.len() as u64;
        let u: f64 = self.rng.random();
        if !self.buffer.is_empty() && (all_buffered || u < self.params.replay_prob.min(fill)) {
            let weights = self.replay_weights();
            let i = draw(&weights, self.rng.random());
            let entry = &mut self.buffer[i];
            entry.last_sampled = self.clock;
            entry.replays += 1;
            return Pick { seed: entry.seed, replay: true };
        }
        let mut taken: Vec<u64> = self.buffer.iter().map(|e| e.seed).collect();
        taken.sort_unstable();
        Pick { seed: self.new_level(&taken), replay: false }
    }

    /// A seed of the level set not in `taken` (sorted), uniformly: exactly for a finite set,
    /// by rejection for the unlimited one (where a clash is one in 2^60).
    fn new_level(&mut self, taken: &[u64]) -> u64 {
        let start = self.levels.start_level;
        if self.levels.num_levels == 0 {
            loop {
                let seed = self.rng.random_range(start..SEED_LIMIT);
                if taken.binary_search(&seed).is_err() {
                    return seed;
                }
            }
        }
        let mut offset = self.rng.random_range(0..self.levels.num_levels - taken.len() as u64);
        for &t in taken {
            if t - start <= offset {
                offset += 1;
            }
        }
        start + offset
    }

    /// The probability of replaying each buffered level: `(1 - rho) P_S + rho P_C`, where
    /// `P_S` is proportional to `(1 / rank)^(1 / beta)` (rank 1 the highest score; ties go
    /// to the earlier entry) and `P_C` to the clock ticks since the level was last sampled
    /// (uniform while every level is fresh).
    pub fn replay_weights(&self) -> Vec<f64> {
        let n = self.buffer.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| self.buffer[b].score.total_cmp(&self.buffer[a].score).then(a.cmp(&b)));
        let mut by_rank = vec![0.0; n];
        for (rank, &i) in order.iter().enumerate() {
            by_rank[i] = (1.0 / (rank + 1) as f64).powf(1.0 / self.params.temperature);
        }
        let rank_sum: f64 = by_rank.iter().sum();
        let stale: Vec<f64> = self.buffer.iter().map(|e| (self.clock - e.last_sampled) as f64).collect();
        let stale_sum: f64 = stale.iter().sum();
        let rho = self.params.staleness;
        (0..n)
            .map(|i| {
                let p_score = by_rank[i] / rank_sum;
                let p_stale = if stale_sum > 0.0 { stale[i] / stale_sum } else { 1.0 / n as f64 };
                (1.0 - rho) * p_score + rho * p_stale
            })
            .collect()
    }

    /// Takes scored segments back (in any number per level; a level's score is their
    /// step-weighted mean). A buffered level gets the new score; another enters the buffer
    /// while it has room, or else in place of the level least likely to be replayed, if it
    /// scores higher. Returns what changed, level by level in the order first seen (then the
    /// evicted levels). `dr` keeps no buffer, and reports the scores only.
    pub fn update(&mut self, segments: &[Segment]) -> Vec<LevelChange> {
        let mut changes: Vec<LevelChange> = Vec::new();
        let mut sums: Vec<f64> = Vec::new();
        for s in segments {
            let at = match changes.iter().position(|c| c.seed == s.seed) {
                Some(at) => at,
                None => {
                    changes.push(LevelChange { seed: s.seed, score: None, steps: 0, episodes: 0, in_buffer: false });
                    sums.push(0.0);
                    changes.len() - 1
                }
            };
            changes[at].steps += s.steps;
            changes[at].episodes += u64::from(s.ended);
            sums[at] += s.score * s.steps as f64;
        }
        let mut evicted = Vec::new();
        for (change, sum) in changes.iter_mut().zip(sums) {
            let score = if change.steps > 0 { sum / change.steps as f64 } else { 0.0 };
            change.score = Some(score);
            if self.curriculum.replays() {
                self.record(change.seed, score, &mut evicted);
            }
        }
        for seed in evicted {
            if !changes.iter().any(|c| c.seed == seed) {
                changes.push(LevelChange { seed, score: None, steps: 0, episodes: 0, in_buffer: false });
            }
        }
        for change in &mut changes {
            change.in_buffer = self.buffer.iter().any(|e| e.seed == change.seed);
        }
        changes
    }

    /// Gives level `seed` its new `score`, putting it in the buffer if it earns a place;
    /// pushes the seed of a level it displaced onto `evicted`.
    fn record(&mut self, seed: u64, score: f64, evicted: &mut Vec<u64>) {
        if let Some(entry) = self.buffer.iter_mut().find(|e| e.seed == seed) {
            entry.score = score;
            return;
        }
        let entry = Entry { seed, score, last_sampled: self.clock, replays: 0 };
        if self.buffer.len() < self.capacity {
            self.buffer.push(entry);
            return;
        }
        let weights = self.replay_weights();
        let (weakest, _) =
            weights.iter().enumerate().fold((0, f64::INFINITY), |best, (i, &w)| if w < best.1 { (i, w) } else { best });
        if self.buffer[weakest].score < score {
            evicted.push(self.buffer[weakest].seed);
            self.buffer[weakest] = entry;
        }
    }
}

/// The stream of a sampler's draws, apart from every env's level stream.
const CURRICULUM_STREAM: u64 = 0x0C0F_F1C0;

/// The index `u` in [0, 1) falls on in the cumulative sum of `weights`.
fn draw(weights: &[f64], u: f64) -> usize {
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    for (i, w) in weights.iter().enumerate() {
        acc += w;
        if u * total < acc {
            return i;
        }
    }
    weights.len() - 1
}

/// Splits a time-major rollout (`[T, N]`: each step's level seed, whether it ended its
/// episode, and its advantage) into each env's runs of steps on one level, scored by `score`:
/// env by env, in time order.
pub fn score_segments(
    seeds: &[u64],
    ended: &[bool],
    advantages: &[f32],
    num_envs: usize,
    score: ScoreFn,
) -> Vec<Segment> {
    let steps = seeds.len() / num_envs.max(1);
    let mut segments = Vec::new();
    for e in 0..num_envs {
        let mut start = 0;
        for t in 0..steps {
            let i = t * num_envs + e;
            let last = t + 1 == steps;
            let cut = ended[i] || (!last && seeds[i + num_envs] != seeds[i]);
            if cut || last {
                let run = start..=t;
                let sum: f64 = run.clone().map(|s| score.of(advantages[s * num_envs + e])).sum();
                let n = (t + 1 - start) as u64;
                let seed = seeds[start * num_envs + e];
                segments.push(Segment { seed, score: sum / n as f64, steps: n, ended: ended[i] });
                start = t + 1;
            }
        }
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;
    use ludica_procgen::Difficulty;
    use std::collections::BTreeSet;

    fn levels(num_levels: u64) -> LevelSpec {
        LevelSpec { num_levels, start_level: 100, sequential: false, difficulty: Difficulty::EASY }
    }

    fn plr(num_levels: u64, params: PlrParams) -> LevelSampler {
        LevelSampler::new(Curriculum::Plr, levels(num_levels), params, 7).unwrap()
    }

    fn scored(seed: u64, score: f64) -> Segment {
        Segment { seed, score, steps: 1, ended: true }
    }

    fn close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-12, "{a:?} != {b:?}");
        }
    }

    #[test]
    fn rank_weights_follow_one_over_rank_to_the_inverse_temperature() {
        let params = PlrParams { staleness: 0.0, temperature: 1.0, ..Default::default() };
        let mut s = plr(10, params);
        s.update(&[scored(100, 0.1), scored(101, 0.5), scored(102, 0.3)]);
        // Ranks 3, 1, 2: weights 1/3, 1, 1/2 over their sum 11/6.
        close(&s.replay_weights(), &[2.0 / 11.0, 6.0 / 11.0, 3.0 / 11.0]);
        s.params.temperature = 0.5;
        // Squared: 1/9, 1, 1/4 over 49/36.
        close(&s.replay_weights(), &[4.0 / 49.0, 36.0 / 49.0, 9.0 / 49.0]);
        // A tie goes to the earlier entry.
        s.update(&[scored(102, 0.5)]);
        s.params.temperature = 1.0;
        close(&s.replay_weights(), &[2.0 / 11.0, 6.0 / 11.0, 3.0 / 11.0]);
    }

    #[test]
    fn staleness_mixes_in_the_ticks_since_each_level_was_sampled() {
        let params = PlrParams { staleness: 1.0, replay_prob: 1.0, ..Default::default() };
        let mut s = plr(3, params);
        s.update(&[scored(100, 0.0), scored(101, 0.0), scored(102, 0.0)]);
        close(&s.replay_weights(), &[1.0 / 3.0; 3]);
        // The whole set is buffered: every pick replays, and the picked level turns fresh.
        let pick = s.next_level();
        assert!(pick.replay);
        let fresh = s.buffer().iter().position(|e| e.seed == pick.seed).unwrap();
        let w = s.replay_weights();
        assert_eq!(w[fresh], 0.0);
        close(&[w.iter().sum::<f64>()], &[1.0]);
        // Half rank, half staleness.
        let mut half = plr(3, PlrParams { staleness: 0.5, temperature: 1.0, ..params });
        half.update(&[scored(100, 3.0), scored(101, 2.0), scored(102, 1.0)]);
        half.clock = 4;
        half.buffer[0].last_sampled = 4;
        half.buffer[1].last_sampled = 3;
        half.buffer[2].last_sampled = 1;
        // Rank: 6/11, 3/11, 2/11; staleness 0, 1, 3 over 4.
        let expect = [0.5 * 6.0 / 11.0, 0.5 * 3.0 / 11.0 + 0.125, 0.5 * 2.0 / 11.0 + 0.375];
        close(&half.replay_weights(), &expect);
    }

    #[test]
    fn a_full_buffer_evicts_its_least_likely_level_for_a_higher_score() {
        let params = PlrParams { buffer_size: 2, staleness: 0.0, ..Default::default() };
        let mut s = plr(10, params);
        s.update(&[scored(100, 0.5), scored(101, 0.2)]);
        let changes = s.update(&[scored(102, 0.1)]);
        assert_eq!(s.buffer().iter().map(|e| e.seed).collect::<Vec<_>>(), [100, 101], "0.1 does not beat 0.2");
        assert!(!changes[0].in_buffer && changes.len() == 1);
        let changes = s.update(&[scored(103, 0.3)]);
        assert_eq!(s.buffer().iter().map(|e| e.seed).collect::<Vec<_>>(), [100, 103]);
        assert_eq!(changes.len(), 2);
        assert_eq!((changes[0].seed, changes[0].in_buffer, changes[0].score), (103, true, Some(0.3)));
        assert_eq!((changes[1].seed, changes[1].in_buffer, changes[1].score), (101, false, None));
        // Segments of one level are merged by steps: (1 x 0.0 + 3 x 0.8) / 4 = 0.6.
        let long = Segment { seed: 100, score: 0.8, steps: 3, ended: false };
        let changes = s.update(&[scored(100, 0.0), long]);
        assert_eq!((changes[0].steps, changes[0].episodes), (4, 1));
        assert!((s.buffer()[0].score - 0.6).abs() < 1e-12);
    }

    #[test]
    fn new_levels_are_the_levels_not_buffered_and_replays_start_as_the_buffer_fills() {
        let params = PlrParams { buffer_size: 4, replay_prob: 1.0, ..Default::default() };
        let mut s = plr(6, params);
        assert!(!s.next_level().replay, "an empty buffer has nothing to replay");
        s.update(&[scored(100, 1.0), scored(102, 1.0), scored(104, 1.0), scored(105, 1.0)]);
        // Full: with replay_prob 1 every pick replays.
        assert!((0..50).all(|_| s.next_level().replay));
        s.params.replay_prob = 0.5;
        let mut new = BTreeSet::new();
        for _ in 0..400 {
            let pick = s.next_level();
            assert!((100..106).contains(&pick.seed));
            if !pick.replay {
                new.insert(pick.seed);
            }
        }
        assert_eq!(new, BTreeSet::from([101, 103]), "new levels are exactly those outside the buffer");
        let mut dr = LevelSampler::new(Curriculum::Dr, levels(5), PlrParams::default(), 1).unwrap();
        let seen: BTreeSet<u64> = (0..200).map(|_| dr.next_level().seed).collect();
        assert_eq!(seen, (100..105).collect::<BTreeSet<u64>>());
        dr.update(&[scored(100, 1.0)]);
        assert!(dr.buffer().is_empty(), "dr keeps no buffer");
        let mut unlimited = plr(0, PlrParams::default());
        assert_eq!(unlimited.capacity(), DEFAULT_BUFFER_SIZE);
        assert!((0..100).all(|_| unlimited.next_level().seed >= 100));
    }

    #[test]
    fn samplers_repeat_with_their_seed_and_continue_exactly_after_serde() {
        let run = |sampler: &mut LevelSampler, rounds: u64| {
            let mut picks = Vec::new();
            for round in 0..rounds {
                let batch: Vec<Pick> = (0..8).map(|_| sampler.next_level()).collect();
                let segments: Vec<Segment> =
                    batch.iter().map(|p| scored(p.seed, ((p.seed * 7 + round) % 11) as f64 / 10.0)).collect();
                sampler.update(&segments);
                picks.extend(batch);
            }
            picks
        };
        let params = PlrParams { buffer_size: 12, ..Default::default() };
        let (mut a, mut b) = (plr(40, params), plr(40, params));
        assert_eq!(run(&mut a, 20), run(&mut b, 20));
        let mut c = LevelSampler::new(Curriculum::Plr, levels(40), params, 8).unwrap();
        assert_ne!(run(&mut c, 20), run(&mut a, 20), "another seed, other picks");
        let json = serde_json::to_string(&a).unwrap();
        let mut restored: LevelSampler = serde_json::from_str(&json).unwrap();
        assert_eq!(restored, a);
        assert_eq!(run(&mut restored, 10), run(&mut a, 10));
        assert!(a.buffer().iter().any(|e| e.replays > 0));
    }

    #[test]
    fn bad_settings_are_named() {
        let make = |num_levels, params| LevelSampler::new(Curriculum::RobustPlr, levels(num_levels), params, 0);
        let err = |num_levels, params| make(num_levels, params).unwrap_err().to_string();
        let e = err(200, PlrParams { temperature: 0.0, ..Default::default() });
        assert_eq!(e, "plr_temperature = 0 is out of range: must be a finite number > 0");
        let e = err(200, PlrParams { replay_prob: 1.5, ..Default::default() });
        assert!(e.starts_with("plr_replay_prob = 1.5 is out of range"), "{e}");
        let e = err(200, PlrParams { staleness: -0.1, ..Default::default() });
        assert!(e.starts_with("plr_staleness = -0.1"), "{e}");
        let e = err(200, PlrParams { buffer_size: 300, ..Default::default() });
        assert!(e.contains("plr_buffer_size = 300") && e.contains("200 training levels"), "{e}");
        assert_eq!(make(200, PlrParams::default()).unwrap().capacity(), 200, "the whole set by default");
        assert_eq!("robust-plr".parse::<Curriculum>(), Ok(Curriculum::RobustPlr));
        let e = "accel".parse::<Curriculum>().unwrap_err().to_string();
        assert_eq!(e, "curriculum 'accel' is unknown: use dr, plr or robust-plr");
        assert!("l1".parse::<ScoreFn>().unwrap_err().to_string().contains("positive-value-loss or abs-gae"));
    }

    #[test]
    fn rollouts_split_into_runs_of_one_env_on_one_level() {
        // Two envs, three steps, time-major. Env 0 ends an episode at t = 1 and starts level
        // 9; env 1 plays level 5 throughout.
        let seeds = [4, 5, 4, 5, 9, 5];
        let ended = [false, false, true, false, false, false];
        let adv = [1.0, -2.0, -1.0, 4.0, 0.5, 0.0];
        let pvl = score_segments(&seeds, &ended, &adv, 2, ScoreFn::PositiveValueLoss);
        assert_eq!(
            pvl,
            [
                Segment { seed: 4, score: 0.5, steps: 2, ended: true },
                Segment { seed: 9, score: 0.5, steps: 1, ended: false },
                Segment { seed: 5, score: 4.0 / 3.0, steps: 3, ended: false },
            ]
        );
        let l1 = score_segments(&seeds, &ended, &adv, 2, ScoreFn::AbsGae);
        assert_eq!((l1[0].score, l1[2].score), (1.0, 2.0));
    }
}
