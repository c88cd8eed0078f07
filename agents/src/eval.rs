//! Evaluation: a checkpoint (and, for reference, a uniformly random policy) played on its
//! training levels and on held-out levels, with means and 95% confidence intervals of
//! return, success and episode length, the generalization gap, whether the run's levels are
//! still the ones it recorded, a leak count of held-out layouts seen in training, and frames
//! for people.

use std::path::Path;

use ludica_envs::{AutoReset, LevelPicker, LevelSpec, ObsKind, Picture, VecEnv, VecEnvConfig, ViewMode};
use ludica_procgen::Level;
use ludica_procgen::seeds::mix;
use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::checkpoint::{self, Checkpoint};
use crate::error::AgentError;
use crate::policy::{Agent, Memory};
use crate::suite::{self, HeldOut, Leak, SuiteCheck};
use crate::video::Caption;

/// Default first seed of the held-out levels: far above any usual training range.
pub const DEFAULT_TEST_START: u64 = 1_000_000_000;
/// Most episodes per split (each is kept as a small record until the report is made).
pub const MAX_EPISODES: usize = 1_000_000;
/// Most episodes drawn as rows of one picture (each row keeps its frames in memory).
pub const MAX_RENDER_EPISODES: usize = 100;

/// Which levels count as held out.
#[derive(Clone, Debug)]
pub enum TestLevels {
    /// Unlimited levels from this seed on.
    From(u64),
    /// These levels (a file from `ludica levels`), played in turn.
    Levels(Vec<Level>),
}

/// How to evaluate.
#[derive(Clone, Debug)]
pub struct EvalOptions {
    /// Episodes per split.
    pub episodes: usize,
    /// The held-out levels.
    pub test: TestLevels,
    /// Envs stepped together.
    pub num_envs: usize,
    /// Take the most likely action instead of sampling.
    pub greedy: bool,
    /// Seed of level draws and action sampling.
    pub seed: u64,
    /// Also evaluate a uniformly random policy.
    pub random_baseline: bool,
    /// Where the network runs.
    pub device: tch::Device,
    /// The view to play with; `None` plays the run's own.
    pub view: Option<ViewMode>,
}

/// Statistics of one split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SplitStats {
    /// Which levels.
    pub levels: String,
    /// Episodes played.
    pub episodes: u64,
    /// Mean return.
    pub return_mean: f64,
    /// Half-width of its 95% confidence interval (normal approximation).
    pub return_ci95: f64,
    /// Share of episodes that reached the goal.
    pub success_rate: f64,
    /// Its 95% Wilson score interval.
    pub success_ci95: [f64; 2],
    /// Mean episode length.
    pub length_mean: f64,
    /// Half-width of its 95% confidence interval.
    pub length_ci95: f64,
}

/// Train minus test, with 95% confidence half-widths (normal approximation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    /// Return gap.
    pub return_gap: f64,
    /// Its half-width.
    pub return_gap_ci95: f64,
    /// Success-rate gap.
    pub success_gap: f64,
    /// Its half-width.
    pub success_gap_ci95: f64,
}

/// The whole report (`ludica eval --json` writes it as is).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// The run directory.
    pub run: String,
    /// Game.
    pub game: String,
    /// Observation kind.
    pub obs: ObsKind,
    /// The view played with (the run's, unless eval was told otherwise).
    #[serde(default)]
    pub view: ViewMode,
    /// Updates of the checkpoint.
    pub update: u64,
    /// Env steps of the checkpoint.
    pub global_step: u64,
    /// `sample` or `greedy`.
    pub actions: String,
    /// On the training levels.
    pub train: SplitStats,
    /// On the held-out levels.
    pub test: SplitStats,
    /// Train minus test.
    pub gap: Gap,
    /// A uniformly random policy on the same two splits, if asked for.
    pub random: Option<[SplitStats; 2]>,
    /// The run's recorded training and held-out suites against today's generators; `null`
    /// for a run made before runs recorded them.
    #[serde(default)]
    pub suites: Option<[SuiteCheck; 2]>,
    /// Held-out levels with a training level's layout; `null` when the training levels are
    /// unlimited or too many to generate.
    #[serde(default)]
    pub leak: Option<Leak>,
}

/// One finished episode.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Episode {
    /// Its return.
    pub episode_return: f32,
    /// Its length.
    pub length: u32,
    /// Whether it reached the goal.
    pub success: bool,
}

/// Who picks actions.
pub enum Actor<'a> {
    /// A trained agent; `true` for greedy actions.
    Agent(&'a Agent, bool),
    /// Uniformly random actions.
    Random,
}

/// Where episodes are played.
#[derive(Clone, Debug)]
pub enum Levels<'a> {
    /// Drawn from a distribution.
    Spec(LevelSpec),
    /// These levels in turn; difficulty for the VecEnv's own (overridden) draws.
    List(&'a [Level], LevelSpec),
}

/// What episodes to play.
#[derive(Clone, Debug)]
pub struct Play<'a> {
    /// Game.
    pub game: &'a str,
    /// Observation kind.
    pub obs: ObsKind,
    /// Full or local view.
    pub view: ViewMode,
    /// Levels.
    pub levels: Levels<'a>,
    /// Cut episodes after this many steps, as failures (the run's `max_episode_steps`).
    pub time_limit: Option<u32>,
    /// Envs stepped together.
    pub num_envs: usize,
    /// Seed of level draws and action sampling.
    pub seed: u64,
}

/// Restarts env `e` of `play` on its next level: the next listed one, or a draw from the
/// env's own picker (used when the time limit cut an episode the VecEnv did not end).
struct Restarter<'a> {
    levels: Levels<'a>,
    pickers: Vec<LevelPicker>,
    started: Vec<usize>,
}

impl Restarter<'_> {
    fn start(&mut self, env: &mut VecEnv, e: usize, ended_by_game: bool) -> Result<(), AgentError> {
        let n = self.started.len();
        match &self.levels {
            Levels::List(list, _) => env.reset_env_to_level(e, list[(e + self.started[e] * n) % list.len()].clone())?,
            Levels::Spec(_) if !ended_by_game => env.reset_env_to_seed(e, self.pickers[e].next_seed())?,
            Levels::Spec(_) => {}
        }
        self.started[e] += 1;
        Ok(())
    }
}

impl Play<'_> {
    fn spec(&self) -> LevelSpec {
        match self.levels {
            Levels::Spec(s) | Levels::List(_, s) => s,
        }
    }

    fn vec_env(&self, num_envs: usize, autoreset: AutoReset, seed: u64) -> Result<VecEnv, AgentError> {
        Ok(VecEnv::new(VecEnvConfig {
            game: self.game.to_string(),
            num_envs,
            num_threads: 1,
            num_shards: 0,
            obs: self.obs,
            levels: self.spec(),
            view: self.view,
            autoreset,
            seed,
        })?)
    }

    fn restarter(&self, num_envs: usize) -> Restarter<'_> {
        let pick_seed = mix(self.seed ^ 0x0071_31E5);
        Restarter {
            levels: self.levels.clone(),
            pickers: (0..num_envs as u64).map(|e| LevelPicker::new(self.spec(), pick_seed, e)).collect(),
            started: vec![0; num_envs],
        }
    }
}

/// Plays exactly `episodes` episodes and returns them. Each env plays a fixed quota of
/// episodes, so short episodes are not over-counted. A recurrent agent's memory is carried
/// per env from step to step and forgotten where an episode ends.
pub fn play_episodes(play: &Play, actor: &Actor, episodes: usize) -> Result<Vec<Episode>, AgentError> {
    let n = play.num_envs.clamp(1, episodes.max(1));
    let mut env = play.vec_env(n, AutoReset::SameStep, play.seed)?;
    let mut restarter = play.restarter(n);
    for e in 0..n {
        restarter.start(&mut env, e, true)?;
    }
    let quota: Vec<usize> = (0..n).map(|e| episodes / n + usize::from(e < episodes % n)).collect();
    let mut rng = ludica_procgen::Rng::new(mix(play.seed), mix(0xE7A1));
    let mut done: Vec<Vec<Episode>> = vec![Vec::new(); n];
    let (mut steps, mut returns) = (vec![0u32; n], vec![0f32; n]);
    let num_actions = env.game().actions.len();
    let mut actions = vec![0u8; n];
    let mut memory = match actor {
        Actor::Agent(agent, _) => agent.memory(n),
        Actor::Random => Memory::default(),
    };
    let mut ended = vec![false; n];
    while done.iter().zip(&quota).any(|(d, q)| d.len() < *q) {
        match actor {
            Actor::Agent(agent, greedy) => actions = agent.act(env.obs(), n, &mut memory, &mut rng, *greedy).actions,
            Actor::Random => actions.iter_mut().for_each(|a| *a = rng.random_range(0..num_actions) as u8),
        }
        env.step(&actions)?;
        for e in 0..n {
            let info = env.infos()[e];
            steps[e] += 1;
            returns[e] += env.reward()[e];
            let timed_out = !info.episode_done && play.time_limit.is_some_and(|limit| steps[e] >= limit);
            ended[e] = info.episode_done || timed_out;
            if !ended[e] {
                continue;
            }
            if done[e].len() < quota[e] {
                done[e].push(Episode { episode_return: returns[e], length: steps[e], success: info.episode_success });
            }
            (steps[e], returns[e]) = (0, 0.0);
            restarter.start(&mut env, e, info.episode_done)?;
        }
        memory.reset(&ended);
    }
    Ok(done.into_iter().flatten().collect())
}

/// Mean and 95% confidence half-width of `xs` (normal approximation, sample std).
fn mean_ci(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    if n == 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = xs.iter().sum::<f64>() / n;
    if n < 2.0 {
        return (mean, f64::NAN);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, 1.96 * (var / n).sqrt())
}

/// 95% Wilson score interval of `k` successes in `n` trials.
pub fn wilson(k: u64, n: u64) -> [f64; 2] {
    if n == 0 {
        return [0.0, 1.0];
    }
    let (k, n, z) = (k as f64, n as f64, 1.96f64);
    let p = k / n;
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    [(centre - half).max(0.0), (centre + half).min(1.0)]
}

/// Statistics of a split's episodes.
pub fn split_stats(levels: String, episodes: &[Episode]) -> SplitStats {
    let returns: Vec<f64> = episodes.iter().map(|e| e.episode_return as f64).collect();
    let lengths: Vec<f64> = episodes.iter().map(|e| e.length as f64).collect();
    let successes = episodes.iter().filter(|e| e.success).count() as u64;
    let n = episodes.len() as u64;
    let (return_mean, return_ci95) = mean_ci(&returns);
    let (length_mean, length_ci95) = mean_ci(&lengths);
    SplitStats {
        levels,
        episodes: n,
        return_mean,
        return_ci95,
        success_rate: if n > 0 { successes as f64 / n as f64 } else { f64::NAN },
        success_ci95: wilson(successes, n),
        length_mean,
        length_ci95,
    }
}

/// Train minus test with a normal-approximation interval of the difference.
pub fn gap(train: &SplitStats, test: &SplitStats) -> Gap {
    let se = |p: f64, n: u64| (p * (1.0 - p) / n as f64).sqrt();
    Gap {
        return_gap: train.return_mean - test.return_mean,
        return_gap_ci95: (train.return_ci95.powi(2) + test.return_ci95.powi(2)).sqrt(),
        success_gap: train.success_rate - test.success_rate,
        success_gap_ci95: 1.96
            * (se(train.success_rate, train.episodes).powi(2) + se(test.success_rate, test.episodes).powi(2)).sqrt(),
    }
}

fn describe(spec: &LevelSpec) -> String {
    let range = match spec.num_levels {
        0 => format!("{}..", spec.start_level),
        n => format!("{}..{}", spec.start_level, spec.start_level + n),
    };
    format!("seeds {range}, difficulty {}", spec.difficulty)
}

/// Unlimited held-out levels from seed `start` on, at the training levels' difficulty; an
/// error if they overlap the training levels.
pub fn held_out(train: &LevelSpec, start: u64) -> Result<LevelSpec, AgentError> {
    if train.num_levels > 0 && start < train.start_level + train.num_levels {
        return Err(AgentError::Config(format!(
            "test levels from seed {start} overlap the training levels {}: pass --test-start-level above them or --levels FILE",
            describe(train)
        )));
    }
    Ok(LevelSpec { num_levels: 0, start_level: start, ..*train })
}

/// Checks a held-out level list against the run: same game, each level playable.
pub fn check_levels(ckpt: &Checkpoint, levels: &[Level]) -> Result<(), AgentError> {
    if levels.is_empty() {
        return Err(AgentError::Config("the levels file holds no level".into()));
    }
    let game = ckpt.check_game()?;
    for level in levels {
        game.accept(level).map_err(|e| AgentError::Config(format!("levels file: {e}")))?;
    }
    Ok(())
}

/// Reads held-out levels from `path`: a JSON array of levels, or one level JSON per line
/// (what `ludica levels` writes). A bad entry is an error naming its line or index.
pub fn read_levels_file(path: &Path) -> Result<Vec<Level>, AgentError> {
    let text = std::fs::read_to_string(path).map_err(|e| AgentError::io("read levels file", path, e))?;
    let bad =
        |at: String, e: serde_json::Error| AgentError::Config(format!("levels file {} {at}: {e}", path.display()));
    if text.trim_start().starts_with('[') {
        return serde_json::from_str(&text).map_err(|e| bad("is not a list of levels".into(), e));
    }
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| Level::from_json(line).map_err(|e| bad(format!("line {}", n + 1), e)))
        .collect()
}

/// The run an evaluation is about: its game, observations, training levels and episode time
/// limit.
#[derive(Clone, Copy, Debug)]
pub struct RunLevels<'a> {
    /// Game.
    pub game: &'a str,
    /// Observation kind.
    pub obs: ObsKind,
    /// Full or local view.
    pub view: ViewMode,
    /// The training level distribution.
    pub train: LevelSpec,
    /// Cut episodes after this many steps, as failures.
    pub time_limit: Option<u32>,
}

/// The two splits of an evaluation, each with its description: the training levels, then the
/// held-out ones. Held-out seeds inside a bounded training range are refused.
pub fn splits<'a>(train_spec: LevelSpec, test: &'a TestLevels) -> Result<[(Levels<'a>, String); 2], AgentError> {
    let test_split = match test {
        TestLevels::From(start) => {
            let spec = held_out(&train_spec, *start)?;
            let name = if train_spec.num_levels == 0 {
                format!("{} (not held out)", describe(&spec))
            } else {
                describe(&spec)
            };
            (Levels::Spec(spec), name)
        }
        TestLevels::Levels(list) => (Levels::List(list, train_spec), format!("{} levels from a file", list.len())),
    };
    Ok([(Levels::Spec(train_spec), describe(&train_spec)), test_split])
}

/// Plays `episodes` episodes of `actor` on each split (with seeds `seed` and `seed + 1`).
pub fn play_splits(
    run: &RunLevels,
    splits: &[(Levels, String); 2],
    actor: &Actor,
    episodes: usize,
    num_envs: usize,
    seed: u64,
) -> Result<[SplitStats; 2], AgentError> {
    let mut out = Vec::new();
    for (k, (levels, name)) in splits.iter().enumerate() {
        let play = Play {
            game: run.game,
            obs: run.obs,
            view: run.view,
            levels: levels.clone(),
            time_limit: run.time_limit,
            num_envs,
            seed: seed.wrapping_add(k as u64),
        };
        out.push(split_stats(name.clone(), &play_episodes(&play, actor, episodes)?));
    }
    Ok([out[0].clone(), out[1].clone()])
}

/// Evaluates the run in `dir` on its training levels and on held-out ones.
pub fn evaluate(dir: &Path, opts: &EvalOptions) -> Result<EvalReport, AgentError> {
    let (ckpt, agent) = checkpoint::load_latest(dir, opts.device)?;
    if let TestLevels::Levels(list) = &opts.test {
        check_levels(&ckpt, list)?;
    }
    let splits = splits(ckpt.levels, &opts.test)?;
    let view = opts.view.unwrap_or(ckpt.config.view);
    let run = RunLevels { game: &ckpt.game, obs: ckpt.obs, view, train: ckpt.levels, time_limit: ckpt.time_limit() };
    let play = |actor: &Actor| play_splits(&run, &splits, actor, opts.episodes, opts.num_envs, opts.seed);
    let [train, test] = play(&Actor::Agent(&agent, opts.greedy))?;
    let random = if opts.random_baseline { Some(play(&Actor::Random)?) } else { None };
    let held_out = match &opts.test {
        TestLevels::From(from) => HeldOut::Seeds { from: *from, count: opts.episodes as u64 },
        TestLevels::Levels(list) => HeldOut::Levels(list),
    };
    Ok(EvalReport {
        suites: suite::check_run(dir)?,
        leak: suite::leak(&ckpt.game, &ckpt.levels, held_out)?,
        run: dir.display().to_string(),
        game: ckpt.game.clone(),
        obs: ckpt.obs,
        view,
        update: ckpt.update,
        global_step: ckpt.global_step,
        actions: if opts.greedy { "greedy" } else { "sample" }.into(),
        gap: gap(&train, &test),
        train,
        test,
        random,
    })
}

impl EvalReport {
    /// The report as a table for people.
    pub fn table(&self) -> String {
        let mut s = format!(
            "{}: {} {} ({} view) after {} updates ({} env steps), {} episodes per split, {} actions\n",
            self.run, self.game, self.obs, self.view, self.update, self.global_step, self.train.episodes, self.actions
        );
        s += &format!(
            "{:<14} {:<38} {:>16} {:>22} {:>16}\n",
            "policy/split", "levels", "return", "success [95% CI]", "length"
        );
        let row = |who: &str, st: &SplitStats| {
            format!(
                "{:<14} {:<38} {:>16} {:>22} {:>16}\n",
                who,
                st.levels,
                format!("{:.2} ± {:.2}", st.return_mean, st.return_ci95),
                format!("{:.3} [{:.3}, {:.3}]", st.success_rate, st.success_ci95[0], st.success_ci95[1]),
                format!("{:.1} ± {:.1}", st.length_mean, st.length_ci95),
            )
        };
        s += &row("agent/train", &self.train);
        s += &row("agent/test", &self.test);
        s += &format!(
            "{:<14} {:<38} {:>16} {:>22}\n",
            "gap",
            "train - test",
            format!("{:.2} ± {:.2}", self.gap.return_gap, self.gap.return_gap_ci95),
            format!("{:.3} ± {:.3}", self.gap.success_gap, self.gap.success_gap_ci95),
        );
        if let Some([train, test]) = &self.random {
            s += &row("random/train", train);
            s += &row("random/test", test);
        }
        match &self.suites {
            Some(checks) => checks.iter().for_each(|c| s += &format!("{}\n", c.line())),
            None => s += "levels: this run records no suite hashes (it was trained before runs recorded them)\n",
        }
        match &self.leak {
            Some(leak) => s += &format!("{}\n", leak.line()),
            None => s += "leak check: not run (the training levels are unlimited or too many to generate)\n",
        }
        s
    }
}

/// One played episode, as [`play_frames`] reports it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlayedEpisode {
    /// The level it was played on.
    pub level_seed: u64,
    /// How it went.
    pub episode: Episode,
}

/// Plays `count` episodes of `agent` (sampling, or greedy) on one env of `play` and hands
/// every frame, the first one included, to `on_frame` with what a caption says of it. A
/// recurrent agent starts each episode with a blank memory.
pub fn play_frames(
    agent: &Agent,
    play: &Play,
    count: usize,
    greedy: bool,
    on_frame: &mut dyn FnMut(Picture, &Caption) -> Result<(), AgentError>,
) -> Result<Vec<PlayedEpisode>, AgentError> {
    let mut rng = ludica_procgen::Rng::new(mix(play.seed), mix(0xF4A3E));
    let mut env = play.vec_env(1, AutoReset::NextStep, play.seed)?;
    let mut restarter = play.restarter(1);
    let mut played = Vec::with_capacity(count);
    for _ in 0..count {
        restarter.start(&mut env, 0, false)?;
        let mut caption = Caption { level_seed: env.infos()[0].level_seed, step: 0, episode_return: 0.0, ending: None };
        on_frame(env.render(0)?, &caption)?;
        let mut memory = agent.memory(1);
        let success = loop {
            let act = agent.act(env.obs(), 1, &mut memory, &mut rng, greedy);
            env.step(&act.actions)?;
            caption.step += 1;
            caption.episode_return += env.reward()[0];
            let timed_out = play.time_limit.is_some_and(|limit| caption.step >= limit);
            let ended = env.terminated()[0] || env.truncated()[0] || timed_out;
            let success = env.terminated()[0] && env.infos()[0].episode_success;
            if ended {
                caption.ending = Some(match (success, env.terminated()[0]) {
                    (true, _) => "success",
                    (false, true) => "failure",
                    (false, false) => "time up",
                });
            }
            on_frame(env.render(0)?, &caption)?;
            if ended {
                break success;
            }
        };
        let episode = Episode { episode_return: caption.episode_return, length: caption.step, success };
        played.push(PlayedEpisode { level_seed: caption.level_seed, episode });
    }
    Ok(played)
}

/// Frames of `count` episodes of the agent, one row per episode (at most `max_frames` evenly
/// spaced frames of each), each frame scaled up `scale` times.
pub fn episode_frames(
    agent: &Agent,
    play: &Play,
    count: usize,
    max_frames: usize,
    scale: usize,
) -> Result<Picture, AgentError> {
    let mut episodes: Vec<Vec<Picture>> = Vec::new();
    play_frames(agent, play, count, false, &mut |frame, caption| {
        if caption.step == 0 {
            episodes.push(Vec::new());
        }
        episodes.last_mut().expect("an episode starts at step 0").push(frame);
        Ok(())
    })?;
    let rows: Vec<Picture> = episodes
        .iter()
        .map(|frames| {
            let keep = max_frames.max(2).min(frames.len());
            let picked: Vec<Picture> =
                (0..keep).map(|i| frames[i * (frames.len() - 1) / (keep - 1).max(1)].upscale(scale)).collect();
            Picture::grid(&picked, max_frames.max(2), 2, [255, 255, 255])
        })
        .collect();
    Ok(Picture::grid(&rows, 1, 4, [200, 200, 200]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_intervals_match_known_values() {
        // 8 of 10: Wilson 95% is [0.490, 0.943].
        let [lo, hi] = wilson(8, 10);
        assert!((lo - 0.4902).abs() < 1e-3 && (hi - 0.9433).abs() < 1e-3, "{lo} {hi}");
        assert_eq!(wilson(0, 0), [0.0, 1.0]);
        assert!(wilson(0, 50)[0] == 0.0 && wilson(50, 50)[1] == 1.0);
    }

    #[test]
    fn split_stats_and_gap_by_hand() {
        let ep = |r: f32, success| Episode { episode_return: r, length: 10, success };
        let train = split_stats("a".into(), &[ep(10.0, true), ep(0.0, false)]);
        // returns 10, 0: mean 5, sample std 7.071, half-width 1.96 * 7.071 / sqrt 2 = 9.8.
        assert_eq!(train.return_mean, 5.0);
        assert!((train.return_ci95 - 9.8).abs() < 1e-9);
        assert_eq!((train.length_mean, train.length_ci95), (10.0, 0.0));
        let test = split_stats("b".into(), &[ep(0.0, false), ep(0.0, false)]);
        let g = gap(&train, &test);
        assert_eq!((g.return_gap, g.success_gap), (5.0, 0.5));
        assert!((g.success_gap_ci95 - 1.96 * 0.125f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn exactly_the_asked_number_of_episodes_is_played() {
        let spec = LevelSpec { num_levels: 10, start_level: 0, sequential: false, difficulty: Default::default() };
        let play = Play {
            game: "maze",
            obs: ObsKind::Symbolic,
            view: ViewMode::Full,
            levels: Levels::Spec(spec),
            time_limit: None,
            num_envs: 8,
            seed: 1,
        };
        let eps = play_episodes(&play, &Actor::Random, 23).unwrap();
        assert_eq!(eps.len(), 23);
        assert!(eps.iter().all(|e| e.length > 0 && e.success == (e.episode_return > 0.0)));
        let play = Play { time_limit: Some(9), ..play };
        let eps = play_episodes(&play, &Actor::Random, 40).unwrap();
        assert_eq!(eps.len(), 40);
        assert!(eps.iter().all(|e| e.length <= 9 && (e.success || e.length == 9)));
        assert!(eps.iter().any(|e| !e.success), "some random episodes run out of time");
    }

    #[test]
    fn levels_files_are_json_lines_or_arrays() {
        let game = ludica_envs::games::find("maze").unwrap();
        let levels: Vec<Level> = [5u64, 6].iter().map(|&s| game.level(s, Default::default())).collect();
        let dir = std::env::temp_dir().join(format!("ludica-levels-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let lines = dir.join("l.jsonl");
        std::fs::write(&lines, format!("{}\n{}\n", levels[0].to_json(), levels[1].to_json())).unwrap();
        assert_eq!(read_levels_file(&lines).unwrap(), levels);
        let array = dir.join("l.json");
        std::fs::write(&array, serde_json::to_string(&levels).unwrap()).unwrap();
        assert_eq!(read_levels_file(&array).unwrap(), levels);
        std::fs::write(&lines, format!("{}\n{{\"game\": 1}}\n", levels[0].to_json())).unwrap();
        let err = read_levels_file(&lines).unwrap_err().to_string();
        assert!(err.contains("line 2") && !err.contains('\n'), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn listed_levels_are_played_in_turn() {
        let game = ludica_envs::games::find("maze").unwrap();
        let levels: Vec<Level> = [5u64, 6].iter().map(|&s| game.level(s, Default::default())).collect();
        let spec = LevelSpec { num_levels: 1, start_level: 0, sequential: false, difficulty: Default::default() };
        let play = Play {
            game: "maze",
            obs: ObsKind::Symbolic,
            view: ViewMode::Full,
            levels: Levels::List(&levels, spec),
            time_limit: Some(50),
            num_envs: 2,
            seed: 3,
        };
        assert_eq!(play_episodes(&play, &Actor::Random, 4).unwrap().len(), 4);
    }
}
