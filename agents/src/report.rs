//! The report of an experiment (`ludica experiment report DIR`): per game, the final train and
//! test success rates against the number of training levels with 95% confidence intervals over
//! seeds; scores normalized per game (a uniformly random policy = 0, success on every episode =
//! 1; the random policy's rate comes from the calibration table, or is measured on held-out
//! levels where the table has none); an aggregate over games, the
//! interquartile mean (IQM) with stratified bootstrap confidence intervals (Agarwal et al.,
//! NeurIPS 2021: runs are resampled within each game); whether each run's recorded levels
//! are still today's. Written as a markdown table, JSON and a PNG.

use std::collections::BTreeMap;
use std::path::Path;

use ludica_envs::calibration;
use ludica_envs::{ObsKind, Picture, ViewMode};
use ludica_procgen::Rng;
use ludica_procgen::seeds::mix;
use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;
use crate::error::AgentError;
use crate::eval::{self, Actor, Levels, Play};
use crate::experiment::{Experiment, RunState, run_dir, run_state};
use crate::metrics::{METRICS_FILE, read_metrics};
use crate::plot::{ScorePanel, score_figure};
use crate::suite;

/// Episodes the random policy plays to calibrate each game's normalization.
pub const RANDOM_EPISODES: usize = 1000;
/// Bootstrap resamples of the IQM's confidence interval.
pub const BOOTSTRAP_REPS: usize = 10_000;

/// One finished run's final scores (its last evaluation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunScore {
    /// Run name.
    pub name: String,
    /// Game.
    pub game: String,
    /// Observation kind.
    pub obs: ObsKind,
    /// Full or local view.
    #[serde(default)]
    pub view: ViewMode,
    /// Difficulty.
    pub difficulty: f32,
    /// Training levels (0: unlimited).
    pub num_levels: u64,
    /// Seed.
    pub seed: u64,
    /// Success rate on the training levels.
    pub train: f64,
    /// Success rate on held-out levels.
    pub test: f64,
    /// Whether the run's recorded levels are today's (false: a generator changed since).
    pub levels_unchanged: bool,
}

/// Mean over seeds with the half-width of its 95% t-interval (`null` for one seed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeanCi {
    /// Mean.
    pub mean: f64,
    /// Half-width of the 95% confidence interval (Student's t over seeds).
    pub ci95: Option<f64>,
    /// Seeds.
    pub n: usize,
}

/// One cell of the per-game table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Game.
    pub game: String,
    /// Observation kind.
    pub obs: ObsKind,
    /// Full or local view.
    #[serde(default)]
    pub view: ViewMode,
    /// Difficulty.
    pub difficulty: f32,
    /// Training levels (0: unlimited).
    pub num_levels: u64,
    /// Train success rate over seeds.
    pub train: MeanCi,
    /// Test success rate over seeds.
    pub test: MeanCi,
    /// Normalized test score over seeds.
    pub test_normalized: MeanCi,
}

/// The aggregate over games for one number of training levels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    /// Observation kind.
    pub obs: ObsKind,
    /// Full or local view.
    #[serde(default)]
    pub view: ViewMode,
    /// Difficulty.
    pub difficulty: f32,
    /// Training levels (0: unlimited).
    pub num_levels: u64,
    /// Games in it.
    pub games: usize,
    /// Runs in it.
    pub runs: usize,
    /// IQM of the normalized train scores, with its stratified bootstrap 95% interval.
    pub train_iqm: [f64; 3],
    /// IQM of the normalized test scores, `[estimate, low, high]`.
    pub test_iqm: [f64; 3],
}

/// The whole report (`report.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The experiment directory.
    pub experiment: String,
    /// Runs in the grid.
    pub runs_total: usize,
    /// Runs not finished (left out).
    pub unfinished: Vec<String>,
    /// Runs whose recorded levels differ from today's generators.
    pub levels_changed: Vec<String>,
    /// Random policy's success rate per game, obs (and view, when local) and difficulty
    /// (`GAME/OBS/DIFFICULTY`, `GAME/OBS local/DIFFICULTY`): the calibration table's, or measured
    /// on held-out levels.
    pub random_success: BTreeMap<String, f64>,
    /// Each finished run's final scores.
    pub scores: Vec<RunScore>,
    /// Per game and number of training levels.
    pub cells: Vec<Cell>,
    /// Over games, per number of training levels.
    pub aggregates: Vec<Aggregate>,
}

/// Two-sided 95% critical values of Student's t for 1 to 30 degrees of freedom.
const T95: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
    2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/// Mean and 95% t-interval half-width of `xs` (no interval for fewer than two values).
pub fn mean_ci(xs: &[f64]) -> MeanCi {
    let n = xs.len();
    let mean = xs.iter().sum::<f64>() / n.max(1) as f64;
    let ci95 = (n >= 2).then(|| {
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        T95.get(n - 2).copied().unwrap_or(1.96) * (var / n as f64).sqrt()
    });
    MeanCi { mean, ci95, n }
}

/// The interquartile mean: the mean of the middle half, cutting `floor(n / 4)` values from each
/// end of the sorted values (scipy's `trim_mean(x, 0.25)`, as rliable computes it).
pub fn iqm(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let cut = sorted.len() / 4;
    let middle = &sorted[cut..sorted.len() - cut];
    middle.iter().sum::<f64>() / middle.len().max(1) as f64
}

/// The IQM of all runs of all tasks and its stratified bootstrap 95% percentile interval:
/// each resample draws, for every task, as many runs as it has, with replacement, from that
/// task's runs (rliable's `StratifiedBootstrap`). Seeded, so reports repeat.
pub fn iqm_with_ci(tasks: &[Vec<f64>], reps: usize, seed: u64) -> [f64; 3] {
    let all: Vec<f64> = tasks.iter().flatten().copied().collect();
    let estimate = iqm(&all);
    let mut rng = Rng::new(mix(seed), mix(0x1A0B_0075));
    let mut stats: Vec<f64> = (0..reps)
        .map(|_| {
            let sample: Vec<f64> = tasks
                .iter()
                .flat_map(|runs| (0..runs.len()).map(|_| runs[rng.random_range(0..runs.len())]).collect::<Vec<_>>())
                .collect();
            iqm(&sample)
        })
        .collect();
    stats.sort_by(f64::total_cmp);
    [estimate, percentile(&stats, 2.5), percentile(&stats, 97.5)]
}

/// The `p`-th percentile of sorted values, interpolated linearly (numpy's default).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let at = p / 100.0 * (sorted.len() - 1) as f64;
    let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo as f64)
}

/// Normalizes a success rate: the random policy's rate is 0, success on every episode is 1.
pub fn normalize(score: f64, random: f64) -> f64 {
    if random >= 1.0 { 0.0 } else { (score - random) / (1.0 - random) }
}

/// The random policy's success rate on `cfg`'s levels: the calibration table's
/// (`ludica_envs::calibration`) where it holds the game at this difficulty and the run keeps
/// the game's own time limit, else measured on [`RANDOM_EPISODES`] held-out episodes.
fn random_success(cfg: &TrainConfig) -> Result<f64, AgentError> {
    let own_limit =
        ludica_envs::games::find(&cfg.game).is_ok_and(|g| cfg.time_limit().is_none_or(|t| t == g.max_steps));
    if let Some(c) = calibration::lookup(&cfg.game, cfg.difficulty).filter(|_| own_limit) {
        return Ok(c.random_success);
    }
    let play = Play {
        game: &cfg.game,
        obs: cfg.obs,
        view: cfg.view,
        levels: Levels::Spec(cfg.test_levels()),
        time_limit: cfg.time_limit(),
        num_envs: 64,
        seed: 0,
    };
    let episodes = eval::play_episodes(&play, &Actor::Random, RANDOM_EPISODES)?;
    Ok(episodes.iter().filter(|e| e.success).count() as f64 / episodes.len() as f64)
}

fn setting_key(game: &str, obs: ObsKind, view: ViewMode, difficulty: f32) -> String {
    format!("{game}/{}/{difficulty}", observed(obs, view))
}

/// What a run observes, for keys and tables: its obs kind, followed by ` local` in the local
/// view (so that reports of full-view runs read as before).
fn observed(obs: ObsKind, view: ViewMode) -> String {
    match view {
        ViewMode::Full => obs.to_string(),
        ViewMode::Local => format!("{obs} local"),
    }
}

/// Builds the report of the experiment in `dir` from its finished runs' last evaluations.
pub fn report(dir: &Path) -> Result<Report, AgentError> {
    let experiment = Experiment::load(dir)?;
    let (mut scores, mut unfinished, mut levels_changed) = (Vec::new(), Vec::new(), Vec::new());
    let mut random = BTreeMap::new();
    for run in &experiment.runs {
        if run_state(dir, run) != RunState::Finished {
            unfinished.push(run.name.clone());
            continue;
        }
        let run_path = run_dir(dir, run);
        let records = read_metrics(&run_path.join(METRICS_FILE))?;
        let Some(last) = records.iter().rev().find_map(|r| r.eval.as_ref()) else {
            unfinished.push(run.name.clone());
            continue;
        };
        let unchanged = suite::check_run(&run_path)?.is_none_or(|checks| checks.iter().all(|c| c.unchanged()));
        if !unchanged {
            levels_changed.push(run.name.clone());
        }
        let cfg = &run.config;
        let key = setting_key(&cfg.game, cfg.obs, cfg.view, cfg.difficulty.value());
        if let std::collections::btree_map::Entry::Vacant(slot) = random.entry(key) {
            slot.insert(random_success(cfg)?);
        }
        scores.push(RunScore {
            name: run.name.clone(),
            game: cfg.game.clone(),
            obs: cfg.obs,
            view: cfg.view,
            difficulty: cfg.difficulty.value(),
            num_levels: cfg.num_levels,
            seed: cfg.seed,
            train: last.train.success_rate,
            test: last.test.success_rate,
            levels_unchanged: unchanged,
        });
    }

    let norm = |s: &RunScore, v: f64| normalize(v, random[&setting_key(&s.game, s.obs, s.view, s.difficulty)]);
    let mut groups: BTreeMap<(String, String, u64), Vec<&RunScore>> = BTreeMap::new();
    for s in &scores {
        let setting = format!("{}/{}", observed(s.obs, s.view), s.difficulty);
        groups.entry((s.game.clone(), setting, level_order(s.num_levels))).or_default().push(s);
    }
    let cells = groups
        .values()
        .map(|runs| {
            let first = runs[0];
            let values = |f: &dyn Fn(&RunScore) -> f64| runs.iter().map(|s| f(s)).collect::<Vec<f64>>();
            Cell {
                game: first.game.clone(),
                obs: first.obs,
                view: first.view,
                difficulty: first.difficulty,
                num_levels: first.num_levels,
                train: mean_ci(&values(&|s| s.train)),
                test: mean_ci(&values(&|s| s.test)),
                test_normalized: mean_ci(&values(&|s| norm(s, s.test))),
            }
        })
        .collect();

    let mut settings: BTreeMap<(String, u64), BTreeMap<String, Vec<&RunScore>>> = BTreeMap::new();
    for s in &scores {
        let setting = format!("{}/{}", observed(s.obs, s.view), s.difficulty);
        settings.entry((setting, level_order(s.num_levels))).or_default().entry(s.game.clone()).or_default().push(s);
    }
    let aggregates = settings
        .values()
        .map(|games| {
            let first = games.values().next().expect("a setting has a game")[0];
            let tasks = |f: &dyn Fn(&RunScore) -> f64| -> Vec<Vec<f64>> {
                games.values().map(|runs| runs.iter().map(|s| f(s)).collect()).collect()
            };
            Aggregate {
                obs: first.obs,
                view: first.view,
                difficulty: first.difficulty,
                num_levels: first.num_levels,
                games: games.len(),
                runs: games.values().map(Vec::len).sum(),
                train_iqm: iqm_with_ci(&tasks(&|s| norm(s, s.train)), BOOTSTRAP_REPS, 1),
                test_iqm: iqm_with_ci(&tasks(&|s| norm(s, s.test)), BOOTSTRAP_REPS, 2),
            }
        })
        .collect();

    Ok(Report {
        experiment: dir.display().to_string(),
        runs_total: experiment.runs.len(),
        unfinished,
        levels_changed,
        random_success: random,
        scores,
        cells,
        aggregates,
    })
}

/// Sorts numbers of levels with unlimited (0) last.
fn level_order(num_levels: u64) -> u64 {
    if num_levels == 0 { u64::MAX } else { num_levels }
}

/// `num_levels` for people: `unlimited` for 0.
pub fn levels_name(num_levels: u64) -> String {
    if num_levels == 0 { "unlimited".into() } else { num_levels.to_string() }
}

impl Report {
    /// The report as markdown tables.
    pub fn markdown(&self) -> String {
        let ci = |m: &MeanCi| match m.ci95 {
            Some(h) => format!("{:.3} ± {:.3}", m.mean, h),
            None => format!("{:.3}", m.mean),
        };
        let mut s = format!(
            "# Experiment {}\n\n{} of {} runs finished. Scores are success rates of each run's last evaluation \
             (train: its training levels; test: held-out levels), mean ± 95% t-interval over seeds. \
             Normalized: (score - random) / (1 - random), random = a uniformly random policy's success rate \
             (from the calibration table, `ludica calibrate`, where it holds the game and difficulty at the game's time limit; \
             else measured on held-out levels).\n\n",
            self.experiment,
            self.scores.len(),
            self.runs_total
        );
        if !self.unfinished.is_empty() {
            s += &format!("Not finished, left out: {}.\n\n", self.unfinished.join(", "));
        }
        if !self.levels_changed.is_empty() {
            s += &format!(
                "**WARNING: the levels of {} changed since they were trained (a generator changed): their scores are not comparable.**\n\n",
                self.levels_changed.join(", ")
            );
        }
        s += "| game | obs | difficulty | levels | seeds | train | test | gap | test, normalized |\n|---|---|---|---|---|---|---|---|---|\n";
        for c in &self.cells {
            s += &format!(
                "| {} | {} | {} | {} | {} | {} | {} | {:.3} | {} |\n",
                c.game,
                observed(c.obs, c.view),
                c.difficulty,
                levels_name(c.num_levels),
                c.test.n,
                ci(&c.train),
                ci(&c.test),
                c.train.mean - c.test.mean,
                ci(&c.test_normalized)
            );
        }
        s += "\nOver games: interquartile mean of normalized scores, [95% stratified bootstrap interval] \
              (Agarwal et al. 2021; runs resampled within each game).\n\n\
              | obs | difficulty | levels | games | runs | train IQM | test IQM |\n|---|---|---|---|---|---|---|\n";
        for a in &self.aggregates {
            let iqm = |v: &[f64; 3]| format!("{:.3} [{:.3}, {:.3}]", v[0], v[1], v[2]);
            s += &format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                observed(a.obs, a.view),
                a.difficulty,
                levels_name(a.num_levels),
                a.games,
                a.runs,
                iqm(&a.train_iqm),
                iqm(&a.test_iqm)
            );
        }
        s += "\nRandom policy, success rate: ";
        s += &self.random_success.iter().map(|(k, v)| format!("{k} {v:.3}")).collect::<Vec<_>>().join(", ");
        s.push('\n');
        s
    }
}

impl Report {
    /// The figure: per game, train and test success against the number of training levels
    /// (95% intervals over seeds); last, the IQM of normalized scores over games.
    pub fn figure(&self) -> Picture {
        let mut panels = Vec::new();
        let mut settings: Vec<(String, ObsKind, ViewMode, f32)> = Vec::new();
        for c in &self.cells {
            let setting = (c.game.clone(), c.obs, c.view, c.difficulty);
            if !settings.contains(&setting) {
                settings.push(setting);
            }
        }
        let with_ci = |m: &MeanCi| {
            let h = m.ci95.unwrap_or(0.0);
            (m.mean, m.mean - h, m.mean + h)
        };
        for (game, obs, view, difficulty) in settings {
            let cells: Vec<&Cell> = self
                .cells
                .iter()
                .filter(|c| c.game == game && c.obs == obs && c.view == view && c.difficulty == difficulty)
                .collect();
            let observed = observed(obs, view);
            panels.push(ScorePanel {
                title: format!("{game} ({observed}, difficulty {difficulty}): success rate vs training levels"),
                categories: cells.iter().map(|c| levels_name(c.num_levels)).collect(),
                series: vec![
                    ("train levels".into(), cells.iter().map(|c| Some(with_ci(&c.train))).collect()),
                    ("held-out levels".into(), cells.iter().map(|c| Some(with_ci(&c.test))).collect()),
                ],
            });
        }
        if !self.aggregates.is_empty() {
            let triple = |v: &[f64; 3]| Some((v[0], v[1], v[2]));
            panels.push(ScorePanel {
                title: "all games: IQM of normalized scores [95% stratified bootstrap]".into(),
                categories: self
                    .aggregates
                    .iter()
                    .map(|a| format!("{} {}", a.obs, levels_name(a.num_levels)))
                    .collect(),
                series: vec![
                    ("train levels".into(), self.aggregates.iter().map(|a| triple(&a.train_iqm)).collect()),
                    ("held-out levels".into(), self.aggregates.iter().map(|a| triple(&a.test_iqm)).collect()),
                ],
            });
        }
        score_figure(&panels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iqm_is_the_mean_of_the_middle_half() {
        // scipy.stats.trim_mean([1..8], 0.25) = mean(3, 4, 5, 6) = 4.5.
        assert_eq!(iqm(&[8.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]), 4.5);
        // n = 5 cuts one from each end.
        assert_eq!(iqm(&[100.0, 1.0, 2.0, 3.0, -50.0]), 2.0);
        assert_eq!(iqm(&[0.5]), 0.5);
    }

    #[test]
    fn t_intervals_over_seeds() {
        // 1, 2, 3: mean 2, sd 1, t(2) = 4.303: 4.303 / sqrt 3 = 2.484.
        let m = mean_ci(&[1.0, 2.0, 3.0]);
        assert_eq!((m.mean, m.n), (2.0, 3));
        assert!((m.ci95.unwrap() - 2.4844).abs() < 1e-3);
        assert_eq!(mean_ci(&[0.7]).ci95, None);
    }

    #[test]
    fn the_stratified_bootstrap_resamples_within_tasks() {
        // A task whose runs agree contributes no spread: all identical gives a point interval.
        let same = vec![vec![0.5; 3], vec![0.5; 3]];
        assert_eq!(iqm_with_ci(&same, 200, 1), [0.5, 0.5, 0.5]);
        let tasks = vec![vec![0.1, 0.2, 0.3], vec![0.7, 0.8, 0.9]];
        let [est, lo, hi] = iqm_with_ci(&tasks, 2000, 1);
        assert!((est - 0.5).abs() < 1e-12 && lo < est && est < hi && lo >= 0.1 && hi <= 0.9, "{est} [{lo}, {hi}]");
        assert_eq!(iqm_with_ci(&tasks, 2000, 1), [est, lo, hi], "seeded: a report repeats");
        // Stratified: every resample keeps three runs of each task, so its IQM lies in
        // [0.4, 0.6] (all 0.1s and 0.7s, or all 0.3s and 0.9s); resampling the six runs
        // together could reach 0.1 or 0.9.
        assert!(lo >= 0.4 - 1e-12 && hi <= 0.6 + 1e-12, "{lo} {hi}");
    }

    #[test]
    fn normalization_maps_random_to_zero_and_perfect_to_one() {
        assert_eq!(normalize(0.3, 0.3), 0.0);
        assert_eq!(normalize(1.0, 0.3), 1.0);
        assert!((normalize(0.65, 0.3) - 0.5).abs() < 1e-12);
        assert_eq!(levels_name(0), "unlimited");
        assert!(level_order(0) > level_order(1000));
    }

    #[test]
    fn percentiles_interpolate_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 50.0), 2.5);
        assert!((percentile(&v, 2.5) - 1.075).abs() < 1e-12);
    }
}
