//! Starts the emulator in-process, seeds it, and plays the heart of the seed from Rust:
//! Alice of B assumes A's role and stops A's instance; Bob of B is refused.
//!
//! `cargo run -p crossram-scenario --example emulator`

use crossram_client::Product;
use crossram_scenario::Emulator;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emu = Emulator::start().await?; // Emulator::start_on_loopback() for a real port
    let seed = emu.seed().await?;

    let session = emu
        .assume_role(&seed.alice, &seed.role_arn, "alice")
        .await?;
    let me = session
        .call::<&str, &str>(Product::Sts, "GetCallerIdentity", &[])
        .await?;
    println!("Alice acts as {}", me.get("Arn").unwrap_or(&me));
    session
        .call(
            Product::Ecs,
            "StopInstance",
            &[("InstanceId", seed.instance_id.as_str())],
        )
        .await?;
    println!("stopped {}", seed.instance_id);

    let refused = emu.assume_role(&seed.bob, &seed.role_arn, "bob").await;
    println!(
        "Bob: {}",
        refused.err().map(|e| e.to_string()).unwrap_or_default()
    );
    Ok(())
}
