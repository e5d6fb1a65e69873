//! Build script: embeds the git commit the binary is built from as `EBB_GIT_COMMIT` (shown on
//! the overview page and by `ebb --version`), so replicas of different builds can be told apart.
//! A packager building outside a git checkout sets `EBB_GIT_COMMIT` itself; otherwise it is
//! "unknown". Runs `git` only: nothing is downloaded.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=EBB_GIT_COMMIT");
    let commit = std::env::var("EBB_GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=EBB_GIT_COMMIT={}", commit.trim());
    // Build again when HEAD moves: a checkout, or a commit on the current branch.
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        let dir = std::path::PathBuf::from(dir);
        println!("cargo:rerun-if-changed={}", dir.join("HEAD").display());
        println!(
            "cargo:rerun-if-changed={}",
            dir.join("packed-refs").display()
        );
        if let Some(head) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed={}", dir.join(head).display());
        }
    }
}

/// `git args` run in the package's folder: its trimmed output, if it succeeded.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_string())
}
