//! `ludica experiment run SPEC --out DIR`: trains every run of a grid as child `ludica train`
//! processes of this binary, placed on the machine's devices (`--devices cpu:2,cuda:0`), with
//! one progress bar for the whole grid. Ctrl-C stops every run at a checkpoint; running the
//! same command again skips finished runs and resumes the others, so the results are those of
//! an uninterrupted grid. `ludica experiment plan SPEC --out DIR` claims the directory the
//! same way and prints, as JSON, the `ludica train` command and resources of each run, for a
//! scheduler of another machine or cluster (`python -m ludica.experiment` on Ray).
//! `ludica experiment report DIR` summarises a grid's results.

use std::ffi::OsString;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use ludica_agents::DeviceChoice;
use ludica_agents::experiment::{
    Experiment, RunSpec, RunState, config_file, log_file, remove_stale_staging, run_dir, run_state,
};
use ludica_agents::metrics::METRICS_FILE;
use serde::Serialize;

/// Subcommands of `ludica experiment`.
#[derive(Subcommand, Debug)]
pub enum ExperimentCommand {
    /// Train every run of a grid spec (TOML) into DIR; rerun to resume.
    Run(RunArgs),
    /// Claim DIR for a grid spec as `run` does, and print each run's `ludica train` arguments,
    /// state and resources as JSON, for a scheduler elsewhere (python -m ludica.experiment).
    Plan(PlanArgs),
    /// Report a grid's results: per game train/test scores vs training levels with 95%
    /// intervals, normalized scores and their IQM over games (DIR/report.md, .json, .png).
    Report(ReportArgs),
}

/// Options of `ludica experiment report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The experiment directory (from `ludica experiment run --out`).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// Options of `ludica experiment run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The grid spec: a TOML file with [grid] (games, num_levels, seeds, and optionally
    /// difficulty and obs) and [train] (any `ludica train` option but game, num_levels, seed
    /// and device).
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// Experiment directory: new or empty, or one this spec already ran in (to resume it).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Devices and concurrent runs on each: cpu:N (N runs on the CPU), cuda:K (one run on GPU
    /// K), cuda:K:N (N runs on GPU K), comma-separated [default: one run per GPU, or with no
    /// GPU as many CPU runs as cores / (env_threads + torch_threads)].
    #[arg(long, value_name = "LIST")]
    pub devices: Option<String>,
    /// Print no progress bar, only lines for runs that end.
    #[arg(long)]
    pub quiet: bool,
}

/// Options of `ludica experiment plan`.
#[derive(Args, Debug)]
pub struct PlanArgs {
    /// The grid spec, as for `ludica experiment run`.
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// Experiment directory: new or empty, or one this spec already ran in (to resume it).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Where every run trains: cpu, cuda or cuda:N. A cuda run asks for one GPU; the device is
    /// not looked for here, as the runs may train on other machines.
    #[arg(long, value_name = "DEVICE", default_value_t = DeviceChoice::Cpu)]
    pub device: DeviceChoice,
    /// Check the spec and the directory and print the plan, writing nothing (the config files
    /// that new runs' arguments name are then not written).
    #[arg(long)]
    pub dry_run: bool,
}

/// Runs `ludica experiment`.
pub fn run(command: ExperimentCommand) -> anyhow::Result<()> {
    match command {
        ExperimentCommand::Run(args) => run_grid(args),
        ExperimentCommand::Plan(args) => print_plan(args),
        ExperimentCommand::Report(args) => write_report(&args.dir),
    }
}

/// Writes the report's markdown, JSON and PNG into the experiment directory and prints the
/// markdown.
fn write_report(dir: &Path) -> anyhow::Result<()> {
    let report = ludica_agents::report::report(dir)?;
    let markdown = report.markdown();
    let write = ludica_agents::output::write_file;
    write(&dir.join("report.md"), markdown.as_bytes())?;
    write(&dir.join("report.json"), &serde_json::to_vec_pretty(&report)?)?;
    ludica_agents::plot::write_png(&dir.join("report.png"), &report.figure())?;
    print!("{markdown}");
    eprintln!("wrote report.md, report.json and report.png in {}", dir.display());
    Ok(())
}

/// Where runs go: one entry per concurrent run a device takes.
fn parse_devices(text: &str) -> anyhow::Result<Vec<DeviceChoice>> {
    let allowed = "use cpu:N, cuda:K or cuda:K:N, comma-separated, like cpu:2,cuda:0";
    let mut slots = Vec::new();
    for item in text.split(',').map(str::trim) {
        let parts: Vec<&str> = item.split(':').collect();
        let count = |s: &str| s.parse::<usize>().ok().filter(|n| (1..=256).contains(n));
        let (device, n) = match parts.as_slice() {
            ["cpu", n] => (DeviceChoice::Cpu, count(n)),
            ["cuda", k] => (
                DeviceChoice::Cuda(
                    k.parse().map_err(|_| anyhow::anyhow!("device '{item}' is not allowed: {allowed}"))?,
                ),
                Some(1),
            ),
            ["cuda", k, n] => (
                DeviceChoice::Cuda(
                    k.parse().map_err(|_| anyhow::anyhow!("device '{item}' is not allowed: {allowed}"))?,
                ),
                count(n),
            ),
            _ => bail!("device '{item}' is not allowed: {allowed}"),
        };
        let Some(n) = n else { bail!("device '{item}' is not allowed: runs per device are 1 to 256; {allowed}") };
        device.resolve()?;
        slots.extend(std::iter::repeat_n(device, n));
    }
    Ok(slots)
}

/// One run per GPU, or with none, as many CPU runs as the cores allow.
fn auto_devices(experiment: &Experiment) -> Vec<DeviceChoice> {
    let gpus = ludica_agents::config::cuda_device_count();
    if gpus > 0 {
        return (0..gpus).map(DeviceChoice::Cuda).collect();
    }
    let threads = experiment.runs.iter().map(|r| r.config.env_threads + r.config.torch_threads).max().unwrap_or(2);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    vec![DeviceChoice::Cpu; (cores / threads).max(1)]
}

/// A training process at work.
struct Running {
    child: Child,
    run: usize,
    slot: usize,
    started: Instant,
}

/// The `ludica train` arguments that train `run` on `device`: `--resume` from its checkpoint
/// when it has one, else its config file (written here unless `dry_run`) and its run directory.
fn train_args(
    dir: &Path,
    run: &RunSpec,
    state: RunState,
    device: DeviceChoice,
    dry_run: bool,
) -> anyhow::Result<Vec<OsString>> {
    let mut args: Vec<OsString> = vec!["train".into(), "--quiet".into(), "--device".into(), device.to_string().into()];
    let run_path = run_dir(dir, run);
    if state == RunState::Interrupted {
        args.extend(["--resume".into(), run_path.into()]);
    } else {
        let config = config_file(dir, run);
        if !dry_run {
            ludica_agents::output::write_file(&config, &serde_json::to_vec_pretty(&run.config)?)?;
        }
        args.extend(["--config".into(), config.into(), "--out".into(), run_path.into()]);
    }
    Ok(args)
}

/// Starts `run` (new, or resumed from its checkpoint) on `device`, its output appended to its log.
fn spawn(dir: &Path, run: &RunSpec, state: RunState, device: DeviceChoice) -> anyhow::Result<Child> {
    let log_path = log_file(dir, run);
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("cannot open {}", log_path.display()))?;
    let exe = std::env::current_exe().context("cannot find this program's path to start training processes")?;
    let mut command = Command::new(exe);
    command.args(train_args(dir, run, state, device, false)?);
    // Its own process group: Ctrl-C in the terminal reaches this runner only, which passes it
    // on once, so that every run stops at a checkpoint instead of quitting at a second signal.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    command.stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log);
    command.spawn().context("cannot start a training process")
}

/// Env steps a run has logged so far (from its metrics file's lines).
fn steps_done(dir: &Path, run: &RunSpec) -> u64 {
    let lines =
        std::fs::read(run_dir(dir, run).join(METRICS_FILE)).map_or(0, |m| m.iter().filter(|&&b| b == b'\n').count());
    lines as u64 * run.config.batch_size() as u64
}

/// Sends SIGINT to the processes (through the shell's `kill`, as the standard library has no
/// signal call): each saves a checkpoint and ends.
fn interrupt(children: &[Running]) {
    let pids: Vec<String> = children.iter().map(|c| c.child.id().to_string()).collect();
    if !pids.is_empty() {
        let _ = Command::new("sh").arg("-c").arg(format!("kill -INT {}", pids.join(" "))).status();
    }
}

/// Reads and expands the spec file at `path`.
fn read_spec(path: &Path) -> anyhow::Result<Experiment> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read experiment spec {}", path.display()))?;
    Experiment::from_spec(&text).with_context(|| format!("{}", path.display()))
}

/// What one run needs of a node, for a scheduler.
#[derive(Serialize)]
struct Resources {
    /// CPU cores: its env threads and libtorch threads.
    cpus: usize,
    /// GPUs: 1 on cuda, else 0.
    gpus: usize,
}

/// One run of a plan.
#[derive(Serialize)]
struct PlannedRun {
    /// The run's name, also its directory's name.
    id: String,
    run_dir: String,
    /// The file its training output goes to (appended).
    log: String,
    state: RunState,
    /// The arguments of the `ludica train` process that trains it (after the program's path);
    /// null for a finished run.
    args: Option<Vec<String>>,
    resources: Resources,
    /// Env steps of the whole run.
    steps: u64,
}

/// `ludica experiment plan`'s output.
#[derive(Serialize)]
struct Plan {
    /// The experiment directory, absolute.
    dir: String,
    runs: Vec<PlannedRun>,
}

/// A path as a JSON string, or an error naming it.
fn utf8(path: impl Into<OsString>) -> anyhow::Result<String> {
    path.into()
        .into_string()
        .map_err(|p| anyhow!("path {} is not UTF-8, which a JSON plan cannot hold: choose another --out", p.display()))
}

fn print_plan(args: PlanArgs) -> anyhow::Result<()> {
    if args.device == DeviceChoice::Auto {
        bail!("device 'auto' is not allowed in a plan: use cpu, cuda or cuda:N (the runs' resources depend on it)");
    }
    let experiment = read_spec(&args.spec)?;
    let dir = std::path::absolute(&args.out).with_context(|| format!("cannot resolve {}", args.out.display()))?;
    if args.dry_run {
        experiment.check_dir(&dir)?;
    } else {
        experiment.prepare(&dir)?;
        remove_stale_staging(&dir);
    }
    let runs = experiment
        .runs
        .iter()
        .map(|run| {
            let state = run_state(&dir, run);
            let train = match state {
                RunState::Finished => None,
                _ => Some(
                    train_args(&dir, run, state, args.device, args.dry_run)?
                        .into_iter()
                        .map(utf8)
                        .collect::<Result<_, _>>()?,
                ),
            };
            let gpus = usize::from(matches!(args.device, DeviceChoice::Cuda(_)));
            Ok(PlannedRun {
                id: run.name.clone(),
                run_dir: utf8(run_dir(&dir, run))?,
                log: utf8(log_file(&dir, run))?,
                state,
                args: train,
                resources: Resources { cpus: run.config.env_threads + run.config.torch_threads, gpus },
                steps: run.config.num_updates() * run.config.batch_size() as u64,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    // Written, not printed, so that a closed pipe (`| head`) ends quietly instead of panicking.
    writeln!(std::io::stdout().lock(), "{}", serde_json::to_string_pretty(&Plan { dir: utf8(dir)?, runs })?)?;
    Ok(())
}

fn run_grid(args: RunArgs) -> anyhow::Result<()> {
    let experiment = read_spec(&args.spec)?;
    let slots = match &args.devices {
        Some(list) => parse_devices(list)?,
        None => auto_devices(&experiment),
    };
    let dir = args.out.as_path();
    experiment.prepare(dir)?;
    remove_stale_staging(dir);

    let stop = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGINT, Arc::clone(&stop))?;
    signal_hook::flag::register(signal_hook::consts::SIGTERM, Arc::clone(&stop))?;

    let runs = &experiment.runs;
    let states: Vec<RunState> = runs.iter().map(|r| run_state(dir, r)).collect();
    let skipped = states.iter().filter(|s| **s == RunState::Finished).count();
    let mut pending: std::collections::VecDeque<usize> =
        (0..runs.len()).filter(|&k| states[k] != RunState::Finished).collect();
    let total: u64 = runs.iter().map(|r| r.config.num_updates() * r.config.batch_size() as u64).sum();
    let bar = if args.quiet { ProgressBar::hidden() } else { ProgressBar::new(total) };
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {human_pos}/{human_len} steps  {msg}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    let devices: Vec<String> = slots.iter().map(|d| d.to_string()).collect();
    bar.println(format!(
        "experiment {}: {} runs ({skipped} finished before), {} at a time on {} (Ctrl-C stops every run at a checkpoint)",
        dir.display(),
        runs.len(),
        slots.len(),
        devices.join(",")
    ));

    let start = Instant::now();
    let mut running: Vec<Running> = Vec::new();
    let mut free: Vec<usize> = (0..slots.len()).rev().collect();
    let (mut finished, mut failed, mut forwarded) = (skipped, Vec::new(), false);
    loop {
        if stop.load(Ordering::SeqCst) && !forwarded {
            interrupt(&running);
            forwarded = true;
        }
        while !forwarded && !free.is_empty() && !pending.is_empty() {
            let (slot, k) = (free.pop().expect("a free slot"), pending.pop_front().expect("a pending run"));
            let child = spawn(dir, &runs[k], run_state(dir, &runs[k]), slots[slot])?;
            running.push(Running { child, run: k, slot, started: Instant::now() });
        }
        let mut k = 0;
        while k < running.len() {
            match running[k].child.try_wait()? {
                None => k += 1,
                Some(status) => {
                    let done = running.swap_remove(k);
                    free.push(done.slot);
                    let run = &runs[done.run];
                    let secs = done.started.elapsed().as_secs_f64();
                    if status.success() {
                        finished += 1;
                        bar.println(format!("finished {} in {secs:.1} s on {}", run.name, slots[done.slot]));
                    } else if forwarded && status.code() == Some(130) {
                        bar.println(format!("stopped {} at a checkpoint", run.name));
                    } else {
                        failed.push(run.name.clone());
                        bar.println(format!("failed {} ({status}); see {}", run.name, log_file(dir, run).display()));
                    }
                }
            }
        }
        let steps: u64 = runs.iter().map(|r| steps_done(dir, r)).sum();
        bar.set_position(steps.min(total));
        bar.set_message(format!("runs: {finished} finished, {} running, {} waiting", running.len(), pending.len()));
        if running.is_empty() && (forwarded || pending.is_empty()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
    let wall = start.elapsed().as_secs_f64();
    if forwarded {
        eprintln!(
            "interrupted after {wall:.0} s: {finished} of {} runs finished; rerun the same command to resume the others from their checkpoints",
            runs.len()
        );
        std::process::exit(130);
    }
    if !failed.is_empty() {
        return Err(super::fault(anyhow::anyhow!(
            "{} of {} runs failed ({}); their logs are in {}; rerun the same command to retry them",
            failed.len(),
            runs.len(),
            failed.join(", "),
            dir.join("logs").display()
        )));
    }
    println!(
        "experiment {}: {} runs finished ({skipped} before this session) in {wall:.0} s; results: ludica experiment report {}",
        dir.display(),
        runs.len(),
        dir.display()
    );
    Ok(())
}
