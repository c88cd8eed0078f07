//! `ludica train`: options (flags over an optional TOML/JSON config file over the defaults),
//! a progress bar, Ctrl-C handling, and a call into `ludica_agents::Trainer`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use ludica_agents::config::{defaults, parse_count};
use ludica_agents::{DeviceChoice, ResumeOptions, RunEnd, TrainConfig, Trainer};
use ludica_envs::ObsKind;
use ludica_procgen::Difficulty;

/// Help text ending in the default value, so `--help` shows every default.
fn with_default(what: &str, default: impl std::fmt::Display) -> String {
    format!("{what} [default: {default}]")
}

/// Options of `ludica train`. Each option also exists as a config-file key (its name with
/// `_` for `-`); flags given here override the file.
#[derive(Args, Debug, Default)]
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

    #[arg(long, help = with_default("Game to train on (see `ludica games`)", defaults::GAME))]
    pub game: Option<String>,
    #[arg(long, help = with_default("Number of distinct training levels, 0 for unlimited", defaults::NUM_LEVELS))]
    pub num_levels: Option<u64>,
    #[arg(long, help = with_default("First training level seed", defaults::START_LEVEL))]
    pub start_level: Option<u64>,
    #[arg(long, help = with_default("Difficulty: easy, medium, hard or a number in [0, 1]", Difficulty::EASY))]
    pub difficulty: Option<Difficulty>,
    #[arg(long, help = with_default("Cut episodes after N steps as failures; 0 keeps the game's limit", 0))]
    pub max_episode_steps: Option<u32>,
    #[arg(long, help = with_default("Observations: rgb (IMPALA-CNN) or symbolic (MLP)", ObsKind::Rgb))]
    pub obs: Option<ObsKind>,
    #[arg(long, value_parser = parse_count, help = with_default("Total env steps, with K/M/G suffixes", "25M"))]
    pub steps: Option<u64>,
    #[arg(long, help = with_default("Where the network runs: auto, cpu, cuda or cuda:N", DeviceChoice::Auto))]
    pub device: Option<DeviceChoice>,
    #[arg(long, help = with_default("Seed of weights, actions, minibatches and level streams", defaults::SEED))]
    pub seed: Option<u64>,
    #[arg(long, help = with_default("Worker threads stepping the envs", defaults::ENV_THREADS))]
    pub env_threads: Option<usize>,
    #[arg(long, help = with_default("Threads libtorch may use", defaults::TORCH_THREADS))]
    pub torch_threads: Option<usize>,
    #[arg(long, help = with_default("Checkpoint every this many updates (and at the end)", defaults::CHECKPOINT_EVERY))]
    pub checkpoint_every: Option<u64>,

    #[arg(long, help = with_default("PPO: envs stepped together", defaults::NUM_ENVS))]
    pub num_envs: Option<usize>,
    #[arg(long, help = with_default("PPO: steps per env per rollout", defaults::NUM_STEPS))]
    pub num_steps: Option<usize>,
    #[arg(long, help = with_default("PPO: minibatches per rollout", defaults::NUM_MINIBATCHES))]
    pub num_minibatches: Option<usize>,
    #[arg(long, help = with_default("PPO: epochs over each rollout", defaults::UPDATE_EPOCHS))]
    pub update_epochs: Option<usize>,
    #[arg(long, help = with_default("PPO: Adam learning rate", defaults::LEARNING_RATE))]
    pub learning_rate: Option<f64>,
    #[arg(long, help = with_default("PPO: anneal the learning rate linearly to 0", true))]
    pub anneal_lr: Option<bool>,
    #[arg(long, help = with_default("PPO: Adam epsilon", defaults::ADAM_EPS))]
    pub adam_eps: Option<f64>,
    #[arg(long, help = with_default("PPO: discount factor", defaults::GAMMA))]
    pub gamma: Option<f64>,
    #[arg(long, help = with_default("PPO: GAE lambda", defaults::GAE_LAMBDA))]
    pub gae_lambda: Option<f64>,
    #[arg(long, help = with_default("PPO: clip range of the ratio and the value change", defaults::CLIP_COEF))]
    pub clip_coef: Option<f64>,
    #[arg(long, help = with_default("PPO: clip the value loss", true))]
    pub clip_vloss: Option<bool>,
    #[arg(long, help = with_default("PPO: entropy bonus coefficient", defaults::ENT_COEF))]
    pub ent_coef: Option<f64>,
    #[arg(long, help = with_default("PPO: value loss coefficient", defaults::VF_COEF))]
    pub vf_coef: Option<f64>,
    #[arg(long, help = with_default("PPO: bound on the global gradient norm", defaults::MAX_GRAD_NORM))]
    pub max_grad_norm: Option<f64>,
    #[arg(long, help = with_default("PPO: normalize advantages per minibatch", true))]
    pub norm_adv: Option<bool>,
    #[arg(long, help = with_default("PPO: scale rewards by the running std of returns", true))]
    pub norm_reward: Option<bool>,
    #[arg(long, help = with_default("Width of the hidden layer(s)", defaults::HIDDEN))]
    pub hidden: Option<usize>,
}

impl TrainArgs {
    /// Writes every option given on the command line into `cfg`.
    fn apply(&self, cfg: &mut TrainConfig) {
        macro_rules! set {
            ($($field:ident),*) => { $( if let Some(v) = self.$field.clone() { cfg.$field = v; } )* };
        }
        set!(
            game,
            num_levels,
            start_level,
            difficulty,
            max_episode_steps,
            obs,
            steps,
            device,
            seed,
            env_threads,
            torch_threads,
            checkpoint_every,
            num_envs,
            num_steps,
            num_minibatches,
            update_epochs,
            learning_rate,
            anneal_lr,
            adam_eps,
            gamma,
            gae_lambda,
            clip_coef,
            clip_vloss,
            ent_coef,
            vf_coef,
            max_grad_norm,
            norm_adv,
            norm_reward,
            hidden
        );
    }

    /// The config of a new run: defaults, then the file, then the flags.
    fn config(&self) -> anyhow::Result<TrainConfig> {
        let mut cfg = match &self.config {
            Some(path) => TrainConfig::from_file(path)?,
            None => TrainConfig::default(),
        };
        self.apply(&mut cfg);
        Ok(cfg)
    }

    /// The options a resumed run may change; any other flag must agree with the saved config.
    fn resume_options(&self, dir: &std::path::Path) -> anyhow::Result<ResumeOptions> {
        let ckpt = ludica_agents::checkpoint::load(dir)?;
        if let Some(warning) = ckpt.warning() {
            eprintln!("warning: {warning}");
        }
        let saved = ckpt.config;
        let mut asked = saved.clone();
        self.apply(&mut asked);
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
        Ok(ResumeOptions {
            device: self.device,
            env_threads: self.env_threads,
            torch_threads: self.torch_threads,
            checkpoint_every: self.checkpoint_every,
        })
    }
}

/// Runs `ludica train`. A run stopped by Ctrl-C exits with status 130 after its checkpoint.
pub fn run(args: TrainArgs) -> anyhow::Result<()> {
    let mut trainer = match &args.resume {
        Some(dir) => Trainer::resume(dir, &args.resume_options(dir)?)?,
        None => Trainer::create(args.config()?, args.out.as_deref().context("--out DIR is required")?)?,
    };
    let cfg = trainer.config().clone();
    let dir = trainer.dir().to_path_buf();

    // Ctrl-C once: stop after saving a checkpoint. Twice: quit at once (the last checkpoint
    // on disk stays whole, as every file is replaced by rename).
    let stop = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register_conditional_shutdown(signal_hook::consts::SIGINT, 130, Arc::clone(&stop))?;
    signal_hook::flag::register(signal_hook::consts::SIGINT, Arc::clone(&stop))?;

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
    let end = trainer.run(&stop, &mut |r| {
        bar.set_position(r.global_step);
        bar.set_message(format!(
            "{:.0} steps/s  return {}  success {}",
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
            Ok(())
        }
        RunEnd::Interrupted => {
            eprintln!(
                "interrupted: checkpoint saved at update {} ({} steps); continue with `ludica train --resume {}`",
                trainer.update(),
                trainer.global_step(),
                dir.display()
            );
            // 128 + SIGINT, as a shell reports a program stopped by Ctrl-C. Everything is on
            // disk: the checkpoint is committed and the metrics file synced.
            std::process::exit(130)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[derive(clap::Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: TrainArgs,
    }

    #[test]
    fn help_shows_every_default_and_defaults_match_the_config() {
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
        let args_with_help = help.matches("[default: ").count();
        assert_eq!(args_with_help, 29, "every config key has a flag with its default");
    }

    #[test]
    fn flags_override_the_file_which_overrides_defaults() {
        let dir = std::env::temp_dir().join(format!("ludica-cli-train-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(&file, "num_envs = 8\nseed = 3\n").unwrap();
        let args = TrainArgs { config: Some(file), seed: Some(9), ..Default::default() };
        let cfg = args.config().unwrap();
        assert_eq!((cfg.num_envs, cfg.seed, cfg.num_steps), (8, 9, 256));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
