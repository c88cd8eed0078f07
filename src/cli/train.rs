//! `ludica train`: options (flags over an optional TOML/JSON config file over the defaults),
//! a progress bar, Ctrl-C handling, and a call into `ludica_agents::Trainer`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, bail};
use clap::parser::ValueSource;
use clap::{ArgMatches, Args};
use indicatif::{ProgressBar, ProgressStyle};
use ludica_agents::{ResumeOptions, RunEnd, TrainConfig, Trainer};

/// Options of `ludica train`: the run's own flags, then every training option (declared
/// once, in [`TrainConfig`]); each training option is also a config-file key (its name with
/// `_` for `-`), and flags given here override the file.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Read options from a TOML or JSON file (keys as the flags, with _ for -); flags override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Run directory to create; it must not exist yet.
    #[arg(long, value_name = "DIR", required_unless_present = "resume")]
    pub out: Option<PathBuf>,
    /// Continue the run in DIR exactly where its last checkpoint left it (its saved config is
    /// kept; only --device, --env-threads, --torch-threads and --checkpoint-every may change).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["out", "config"])]
    pub resume: Option<PathBuf>,
    /// Print no progress bar, only the final line.
    #[arg(long)]
    pub quiet: bool,
    /// The training options, as parsed: the given flags over the defaults.
    #[command(flatten)]
    pub options: TrainConfig,
    /// The config keys whose flags were given on the command line (see [`TrainArgs::given`]).
    #[arg(skip)]
    pub given: Vec<String>,
}

impl TrainArgs {
    /// Records which training options the user typed, so that only those override a config
    /// file or a saved run; `matches` are the `train` subcommand's.
    pub fn given(mut self, matches: &ArgMatches) -> TrainArgs {
        self.given = matches
            .ids()
            .filter(|id| matches.value_source(id.as_str()) == Some(ValueSource::CommandLine))
            .map(|id| id.to_string())
            .collect();
        self
    }

    /// `base` with the options given as flags put over it.
    fn overlay(&self, base: &TrainConfig) -> anyhow::Result<TrainConfig> {
        let flags = serde_json::to_value(&self.options)?;
        let mut merged = serde_json::to_value(base)?;
        for key in &self.given {
            if let Some(value) = flags.get(key) {
                merged[key] = value.clone();
            }
        }
        Ok(serde_json::from_value(merged)?)
    }

    /// The config of a new run: defaults, then the file, then the flags.
    fn config(&self) -> anyhow::Result<TrainConfig> {
        match &self.config {
            Some(path) => self.overlay(&TrainConfig::from_file(path)?),
            None => Ok(self.options.clone()),
        }
    }

    /// The options a resumed run may change; any other flag must agree with the saved config.
    fn resume_options(&self, dir: &std::path::Path) -> anyhow::Result<ResumeOptions> {
        let ckpt = ludica_agents::checkpoint::load(dir)?;
        if let Some(warning) = ckpt.warning() {
            eprintln!("warning: {warning}");
        }
        let saved = ckpt.config;
        let asked = self.overlay(&saved)?;
        let (saved_map, asked_map) = (serde_json::to_value(&saved)?, serde_json::to_value(&asked)?);
        const MAY_CHANGE: [&str; 4] = ["device", "env_threads", "torch_threads", "checkpoint_every"];
        for (key, value) in asked_map.as_object().context("a config is an object")? {
            if !MAY_CHANGE.contains(&key.as_str()) && saved_map.get(key) != Some(value) {
                bail!(
                    "--resume keeps the run's saved config: {} has {key} = {}, not {value}; only --device, --env-threads, --torch-threads and --checkpoint-every may change",
                    dir.display(),
                    saved_map[key]
                );
            }
        }
        let given = |key: &str| self.given.iter().any(|g| g == key);
        Ok(ResumeOptions {
            device: given("device").then_some(asked.device),
            env_threads: given("env_threads").then_some(asked.env_threads),
            torch_threads: given("torch_threads").then_some(asked.torch_threads),
            checkpoint_every: given("checkpoint_every").then_some(asked.checkpoint_every),
        })
    }
}

/// Runs `ludica train`. A run stopped by Ctrl-C exits with status 130 after its checkpoint.
pub fn run(args: TrainArgs) -> anyhow::Result<()> {
    let mut trainer = match &args.resume {
        Some(dir) => Trainer::resume(dir, &args.resume_options(dir)?)?,
        None => {
            let cfg = args.config()?;
            cfg.validate()?;
            if let Some(note) = cfg.rounding_note() {
                eprintln!("{note}");
            }
            Trainer::create(cfg, args.out.as_deref().context("--out DIR is required")?)?
        }
    };
    let cfg = trainer.config().clone();
    let dir = trainer.dir().to_path_buf();

    // Ctrl-C (or SIGTERM, as a batch system or `timeout` sends) once: stop after saving a
    // checkpoint. Twice: quit at once (the last checkpoint on disk stays whole, as every file
    // is replaced by rename).
    let stop = Arc::new(AtomicBool::new(false));
    let terminated = Arc::new(AtomicBool::new(false));
    for (signal, code) in [(signal_hook::consts::SIGINT, 130), (signal_hook::consts::SIGTERM, 143)] {
        signal_hook::flag::register_conditional_shutdown(signal, code, Arc::clone(&stop))?;
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    signal_hook::flag::register(signal_hook::consts::SIGTERM, Arc::clone(&terminated))?;

    let total = cfg.num_updates() * cfg.batch_size() as u64;
    let bar = if args.quiet { ProgressBar::hidden() } else { ProgressBar::new(total) };
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {human_pos}/{human_len} steps  {msg}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.set_position(trainer.global_step());
    bar.println(format!(
        "training {} {} on {:?} into {} ({} updates of {} steps; Ctrl-C saves a checkpoint and stops)",
        cfg.game,
        cfg.obs,
        trainer.device(),
        dir.display(),
        cfg.num_updates(),
        cfg.batch_size()
    ));
    let show = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
    let mut last_eval = String::new();
    let end = trainer.run(&stop, &mut |r| {
        bar.set_position(r.global_step);
        if let Some(e) = &r.eval {
            last_eval = format!("  held-out success {:.2}", e.test.success_rate);
        }
        bar.set_message(format!(
            "{:.0} steps/s  return {}  success {}{last_eval}",
            r.sps,
            show(r.episode_return_mean),
            show(r.success_rate)
        ));
    })?;
    bar.finish_and_clear();
    match end {
        RunEnd::Finished => {
            let summary = std::fs::read_to_string(dir.join(ludica_agents::metrics::SUMMARY_FILE))?;
            let s: ludica_agents::metrics::Summary = serde_json::from_str(&summary)?;
            println!(
                "done: {} steps in {:.0} s ({:.0} steps/s); last 10% of updates: return {}, success {}; run in {}",
                s.global_step,
                s.time_s,
                s.sps,
                show(s.final_episode_return_mean),
                show(s.final_success_rate),
                dir.display()
            );
            if let (Some(eval_s), Some(share)) = (s.eval_time_s, s.eval_share) {
                println!("evaluation: {eval_s:.1} s, {:.1}% of the wall time", 100.0 * share);
            }
            Ok(())
        }
        RunEnd::Interrupted => {
            eprintln!(
                "interrupted: checkpoint saved at update {} ({} steps); continue with `ludica train --resume {}`",
                trainer.update(),
                trainer.global_step(),
                dir.display()
            );
            // 128 + the signal's number, as a shell reports a program it stopped. Everything is
            // on disk: the checkpoint is committed and the metrics file synced.
            std::process::exit(if terminated.load(Ordering::SeqCst) { 143 } else { 130 })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, FromArgMatches};
    use ludica_agents::config::{MAX_HIDDEN, MAX_NUM_ENVS, MAX_NUM_STEPS, MAX_THREADS, MAX_UPDATE_EPOCHS};

    #[derive(clap::Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: TrainArgs,
    }

    /// `ludica train` arguments parsed as main parses them.
    fn parse(argv: &[&str]) -> TrainArgs {
        let matches =
            Wrapper::command().try_get_matches_from(std::iter::once("train").chain(argv.iter().copied())).unwrap();
        Wrapper::from_arg_matches(&matches).unwrap().args.given(&matches)
    }

    #[test]
    fn help_shows_every_default_and_bound() {
        let help = Wrapper::command().render_long_help().to_string();
        let d = TrainConfig::default();
        for expected in [
            format!("[default: {}]", d.num_envs),
            format!("[default: {}]", d.learning_rate),
            format!("[default: {}]", d.difficulty),
            "[default: 25M]".to_string(),
            format!("[default: {}]", d.gamma),
        ] {
            assert!(help.contains(&expected), "missing {expected} in\n{help}");
        }
        assert_eq!(d.steps, 25_000_000, "the help's 25M");
        let keys = serde_json::to_value(&d).unwrap().as_object().unwrap().len();
        assert_eq!(help.matches("[default: ").count(), keys, "every config key has a flag with its default");
        // Each bound the help states is the one validate() checks.
        let section = |flag: &str| {
            let at = help.find(&format!("--{flag} <")).unwrap_or_else(|| panic!("no --{flag} in\n{help}"));
            help[at..].split("[default: ").next().unwrap().to_string()
        };
        for (flag, max) in [
            ("num-envs", MAX_NUM_ENVS),
            ("num-steps", MAX_NUM_STEPS),
            ("update-epochs", MAX_UPDATE_EPOCHS),
            ("hidden", MAX_HIDDEN),
            ("lstm-size", MAX_HIDDEN),
            ("env-threads", MAX_THREADS),
            ("torch-threads", MAX_THREADS),
        ] {
            assert!(section(flag).contains(&format!("1 to {max}")), "--{flag}: {}", section(flag));
        }
    }

    #[test]
    fn flags_override_the_file_which_overrides_defaults() {
        let dir = std::env::temp_dir().join(format!("ludica-cli-train-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(&file, "num_envs = 8\nseed = 3\nanneal_lr = false\n").unwrap();
        let path = file.to_str().unwrap();
        // A flag equal to the default still overrides the file: the user typed it.
        let cfg = parse(&["--config", path, "--seed", "9", "--anneal-lr", "true", "--out", "x"]).config().unwrap();
        assert_eq!((cfg.num_envs, cfg.seed, cfg.anneal_lr, cfg.num_steps), (8, 9, true, 256));
        let cfg = parse(&["--config", path, "--out", "x"]).config().unwrap();
        assert_eq!((cfg.num_envs, cfg.seed, cfg.anneal_lr), (8, 3, false), "the file over the defaults");
        let cfg = parse(&["--num-steps", "32", "--out", "x"]).config().unwrap();
        assert_eq!(cfg, TrainConfig { num_steps: 32, ..TrainConfig::default() }, "flags over the defaults");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_options_table_in_the_docs_lists_every_key_with_its_default() {
        let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/training.md")).unwrap();
        let defaults = TrainConfig::default();
        let mut keys = Vec::new();
        for row in docs.lines().filter(|l| l.starts_with("| `")) {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let (key, default) = (cells[1].trim_matches('`'), cells[2].trim_matches('`'));
            // Words and suffixed counts are TOML strings; numbers and booleans stand alone.
            let value = if default.parse::<f64>().is_ok() || ["true", "false"].contains(&default) {
                default.to_string()
            } else {
                format!("\"{default}\"")
            };
            let parsed = TrainConfig::from_text(&format!("{key} = {value}"), "toml");
            assert_eq!(parsed.as_ref(), Ok(&defaults), "docs/training.md row {row}");
            keys.push(key.to_string());
        }
        let all: Vec<String> = serde_json::to_value(&defaults).unwrap().as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, all, "one row per config key");
    }

    #[test]
    fn float_flags_refuse_non_finite_values() {
        let err = Wrapper::command().try_get_matches_from(["train", "--gamma", "NaN", "--out", "x"]).unwrap_err();
        assert!(err.to_string().contains("'NaN' is not allowed"), "{err}");
    }
}
