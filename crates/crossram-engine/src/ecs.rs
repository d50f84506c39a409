//! A small ECS (2014-05-26): instances per account and region, their lifecycle (spec §8.2) and
//! the authorization rules of spec §8.6. Denials are `Forbidden.RAM`, DescribeInstances' too (as
//! on ECS since 20 December 2025; before, it answered an empty list). Another account's instance
//! is `InvalidInstanceId.NotFound`.

use serde_json::{Value, json};

use crossram_core::ApiError;

use crate::api::{ApiRequest, ApiResult, Caller, Response};
use crate::authz::{self, DenyStyle};
use crate::engine::Engine;
use crate::env::{ALNUM_LOWER, DIGITS};
use crate::model::{InstanceRecord, InstanceStatus, Record};
use crate::params::{boolean, integer, optional, required};
use crate::ram::unknown_action;
use crate::world::Write;

pub(crate) async fn dispatch(e: &Engine, caller: &Caller, req: &ApiRequest) -> ApiResult {
    let ecs = Ecs {
        e,
        caller,
        req,
        acct: caller.account().to_owned(),
    };
    match req.action.as_str() {
        "RunInstances" => ecs.create(true).await,
        "CreateInstance" => ecs.create(false).await,
        "DescribeInstances" => ecs.describe(),
        "StartInstance" => ecs.transition(Change::Start).await,
        "StopInstance" => ecs.transition(Change::Stop).await,
        "RebootInstance" => ecs.transition(Change::Reboot).await,
        "DeleteInstance" => ecs.delete().await,
        _ => Err(unknown_action()),
    }
}

#[derive(Debug, Clone, Copy)]
enum Change {
    Start,
    Stop,
    Reboot,
}

fn not_found() -> ApiError {
    ApiError::new(
        "InvalidInstanceId.NotFound",
        404,
        "The specified InstanceId does not exist.",
    )
}

fn incorrect_status() -> ApiError {
    ApiError::new(
        "IncorrectInstanceStatus",
        403,
        "The current status of the resource does not support this operation.",
    )
}

fn dry_run_passed() -> ApiError {
    ApiError::new(
        "DryRunOperation",
        400,
        "Request validation has been passed with DryRun flag set.",
    )
}

/// Minute precision, as ECS writes instance times.
fn minute(ts: &str) -> String {
    // `YYYY-MM-DDThh:mm:ssZ` -> `YYYY-MM-DDThh:mmZ`
    match ts.get(..16) {
        Some(prefix) => format!("{prefix}Z"),
        None => ts.to_owned(),
    }
}

struct Ecs<'a> {
    e: &'a Engine,
    caller: &'a Caller,
    req: &'a ApiRequest,
    acct: String,
}

impl Ecs<'_> {
    fn region(&self) -> Result<String, ApiError> {
        let r = required(&self.req.params, "RegionId")?;
        if !self.e.config.ecs_regions.iter().any(|known| known == r) {
            return Err(ApiError::new(
                "InvalidRegionId.NotFound",
                404,
                "The specified RegionId does not exist.",
            ));
        }
        Ok(r.to_owned())
    }

    fn arn(&self, region: &str, id: &str) -> String {
        format!("acs:ecs:{region}:{}:instance/{id}", self.acct)
    }

    fn authorize(&self, action: &str, resources: &[String]) -> Result<(), ApiError> {
        let w = self.e.world.read();
        authz::check(
            self.e,
            &w,
            self.caller,
            &format!("ecs:{action}"),
            resources,
            &self.req.context,
            DenyStyle::Ecs,
        )
    }

    fn dry_run(&self) -> Result<bool, ApiError> {
        Ok(boolean(&self.req.params, "DryRun")?.unwrap_or(false))
    }

    async fn create(&self, run: bool) -> ApiResult {
        let p = &self.req.params;
        let region = self.region()?;
        let instance_type = required(p, "InstanceType")?.to_owned();
        let image_id = if run {
            required(p, "ImageId")?.to_owned()
        } else {
            optional(p, "ImageId")
                .unwrap_or("aliyun_3_x64_20G_alibase_20240101.vhd")
                .to_owned()
        };
        let amount = if run {
            integer(p, "Amount")?.unwrap_or(1)
        } else {
            1
        };
        if !(1..=100).contains(&amount) {
            return Err(ApiError::invalid_parameter(
                "The parameter \"Amount\" must be between 1 and 100.",
            ));
        }
        let name = optional(p, "InstanceName").unwrap_or_default().to_owned();
        let description = optional(p, "Description").unwrap_or_default().to_owned();
        let zone = optional(p, "ZoneId").map_or_else(|| format!("{region}-a"), str::to_owned);
        let host_name = optional(p, "HostName").unwrap_or_default().to_owned();
        let protection = boolean(p, "DeletionProtection")?.unwrap_or(false);
        let mut tags = Vec::new();
        for n in 1..=20 {
            if let Some(k) = optional(p, &format!("Tag.{n}.Key")) {
                let v = optional(p, &format!("Tag.{n}.Value")).unwrap_or_default();
                tags.push((k.to_owned(), v.to_owned()));
            }
        }
        let action = if run {
            "RunInstances"
        } else {
            "CreateInstance"
        };
        self.authorize(
            action,
            &[
                self.arn(&region, "*"),
                format!("acs:ecs:{region}:{}:image/{image_id}", self.acct),
            ],
        )?;
        if self.dry_run()? {
            return Err(dry_run_passed());
        }
        let now = self.e.timestamp();
        let now_ms = self.e.now_ms();
        let delay = self.e.config.ecs_transition_ms;
        let mut created = Vec::new();
        for _ in 0..amount {
            let id = format!("i-{}", self.e.env.ids.string(ALNUM_LOWER, 20));
            let octet = self.e.env.ids.string(DIGITS, 2);
            created.push(InstanceRecord {
                account: self.acct.clone(),
                id: id.clone(),
                region: region.clone(),
                zone: zone.clone(),
                name: if name.is_empty() {
                    id.clone()
                } else {
                    name.clone()
                },
                description: description.clone(),
                instance_type: instance_type.clone(),
                image_id: image_id.clone(),
                host_name: if host_name.is_empty() {
                    id.clone()
                } else {
                    host_name.clone()
                },
                status: if run {
                    InstanceStatus::Running
                } else {
                    InstanceStatus::Stopped
                },
                transition: run.then_some((InstanceStatus::Pending, now_ms + delay)),
                creation_time: minute(&now),
                start_time: if run { minute(&now) } else { String::new() },
                tags: tags.clone(),
                private_ip: format!(
                    "172.16.0.{}",
                    octet
                        .trim_start_matches('0')
                        .parse::<u8>()
                        .unwrap_or(10)
                        .max(2)
                ),
                deletion_protection: protection,
            });
        }
        let ids: Vec<String> = created.iter().map(|i| i.id.clone()).collect();
        self.e
            .mutate(&self.acct, |_| {
                Ok((
                    created
                        .into_iter()
                        .map(|i| Write::put(Record::Instance(i)))
                        .collect(),
                    (),
                ))
            })
            .await?;
        let v = if run {
            json!({ "InstanceIdSets": { "InstanceIdSet": ids }, "OrderId": "", "TradePrice": 0.0 })
        } else {
            json!({ "InstanceId": ids.first().cloned().unwrap_or_default(), "OrderId": "", "TradePrice": 0.0 })
        };
        Ok(match v {
            Value::Object(m) => m,
            _ => Response::new(),
        })
    }

    fn instance_json(&self, i: &InstanceRecord, now_ms: i64) -> Value {
        let family = i
            .instance_type
            .rsplit_once('.')
            .map_or(i.instance_type.as_str(), |(f, _)| f);
        let tags: Vec<Value> = i
            .tags
            .iter()
            .map(|(k, v)| json!({"TagKey": k, "TagValue": v}))
            .collect();
        let (cpu, memory_mib) = shape(&i.instance_type);
        let (os_name, os_type) = operating_system(&i.image_id);
        json!({
            "InstanceId": i.id,
            "InstanceName": i.name,
            "Description": i.description,
            "RegionId": i.region,
            "ZoneId": i.zone,
            "Status": i.status_at(now_ms).as_str(),
            "InstanceType": i.instance_type,
            "InstanceTypeFamily": family,
            "Cpu": cpu,
            "Memory": memory_mib,
            "ImageId": i.image_id,
            "OSName": os_name,
            "OSType": os_type,
            "HostName": i.host_name,
            "InstanceNetworkType": "vpc",
            "InstanceChargeType": "PostPaid",
            "InternetChargeType": "PayByTraffic",
            "InternetMaxBandwidthOut": 0,
            "CreationTime": i.creation_time,
            "StartTime": i.start_time,
            "ExpiredTime": "2099-12-31T15:59Z",
            "StoppedMode": "Not-applicable",
            "DeletionProtection": i.deletion_protection,
            "SecurityGroupIds": {"SecurityGroupId": []},
            "VpcAttributes": {
                "VpcId": "", "VSwitchId": "",
                "PrivateIpAddress": {"IpAddress": [i.private_ip]},
                "NatIpAddress": ""
            },
            "PublicIpAddress": {"IpAddress": []},
            "InnerIpAddress": {"IpAddress": []},
            "EipAddress": {"AllocationId": "", "IpAddress": "", "InternetChargeType": ""},
            "Tags": {"Tag": tags},
            "OperationLocks": {"LockReason": []},
        })
    }

    fn describe(&self) -> ApiResult {
        let p = &self.req.params;
        let region = self.region()?;
        let ids: Option<Vec<String>> = match optional(p, "InstanceIds") {
            Some(text) => Some(serde_json::from_str(text).map_err(|_| {
                ApiError::invalid_parameter(
                    "The parameter \"InstanceIds\" must be a JSON array of strings.",
                )
            })?),
            None => None,
        };
        let status = match optional(p, "Status") {
            Some(s) => Some(InstanceStatus::parse(s).ok_or_else(|| {
                ApiError::new(
                    "InvalidStatus.NotFound",
                    404,
                    "The specified Status is not found",
                )
            })?),
            None => None,
        };
        let name = optional(p, "InstanceName");
        let page_number = integer(p, "PageNumber")?.unwrap_or(1).max(1);
        let page_size = integer(p, "PageSize")?.unwrap_or(10);
        if !(1..=100).contains(&page_size) {
            return Err(ApiError::invalid_parameter(
                "The parameter \"PageSize\" must be between 1 and 100.",
            ));
        }
        let dry_run = self.dry_run()?;
        let now_ms = self.e.now_ms();
        let candidates: Vec<InstanceRecord> = {
            let w = self.e.world.read();
            w.account(&self.acct)
                .map(|s| {
                    s.instances
                        .values()
                        .filter(|i| i.region == region)
                        .filter(|i| ids.as_ref().is_none_or(|ids| ids.contains(&i.id)))
                        .filter(|i| status.is_none_or(|st| i.status_at(now_ms) == st))
                        .filter(|i| name.is_none_or(|n| crate::ecs::glob(n, &i.name)))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default()
        };
        if dry_run {
            self.authorize("DescribeInstances", &[self.arn(&region, "*")])?;
            return Err(dry_run_passed());
        }
        // A caller allowed some instances sees those. One allowed none, and not the region's
        // `instance/*` either, is refused: ECS answers 403 `Forbidden.RAM` since 20 December
        // 2025, where spec §8.1 (older) has an empty list (DESIGN.md).
        let visible: Vec<&InstanceRecord> = candidates
            .iter()
            .filter(|i| {
                self.authorize("DescribeInstances", &[self.arn(&region, &i.id)])
                    .is_ok()
            })
            .collect();
        if visible.is_empty() {
            self.authorize("DescribeInstances", &[self.arn(&region, "*")])?;
        }
        let total = visible.len();
        let start = usize::try_from((page_number - 1) * page_size).unwrap_or(usize::MAX);
        let items: Vec<Value> = visible
            .iter()
            .skip(start)
            .take(usize::try_from(page_size).unwrap_or(10))
            .map(|i| self.instance_json(i, now_ms))
            .collect();
        let v = json!({
            "TotalCount": total,
            "PageNumber": page_number,
            "PageSize": page_size,
            "NextToken": "",
            "Instances": {"Instance": items},
        });
        Ok(match v {
            Value::Object(m) => m,
            _ => Response::new(),
        })
    }

    /// Looks the instance up in the caller's own account.
    fn find(&self, id: &str) -> Result<InstanceRecord, ApiError> {
        let w = self.e.world.read();
        w.account(&self.acct)
            .and_then(|s| s.instances.get(id))
            .cloned()
            .ok_or_else(not_found)
    }

    async fn transition(&self, change: Change) -> ApiResult {
        let id = required(&self.req.params, "InstanceId")?.to_owned();
        let found = self.find(&id)?;
        let action = match change {
            Change::Start => "StartInstance",
            Change::Stop => "StopInstance",
            Change::Reboot => "RebootInstance",
        };
        self.authorize(action, &[self.arn(&found.region, &id)])?;
        if self.dry_run()? {
            return Err(dry_run_passed());
        }
        let now_ms = self.e.now_ms();
        let now = self.e.timestamp();
        let delay = self.e.config.ecs_transition_ms;
        self.e
            .mutate(&self.acct, |w| {
                let mut i = w
                    .account(&self.acct)
                    .and_then(|s| s.instances.get(&id))
                    .cloned()
                    .ok_or_else(not_found)?;
                let current = i.status_at(now_ms);
                let (from, shown, to) = match change {
                    Change::Start => (
                        InstanceStatus::Stopped,
                        InstanceStatus::Starting,
                        InstanceStatus::Running,
                    ),
                    Change::Stop => (
                        InstanceStatus::Running,
                        InstanceStatus::Stopping,
                        InstanceStatus::Stopped,
                    ),
                    Change::Reboot => (
                        InstanceStatus::Running,
                        InstanceStatus::Starting,
                        InstanceStatus::Running,
                    ),
                };
                if current != from {
                    return Err(incorrect_status());
                }
                i.status = to;
                i.transition = Some((shown, now_ms + delay));
                if to == InstanceStatus::Running {
                    i.start_time = minute(&now);
                }
                Ok((vec![Write::put(Record::Instance(i))], ()))
            })
            .await?;
        Ok(Response::new())
    }

    async fn delete(&self) -> ApiResult {
        let id = required(&self.req.params, "InstanceId")?.to_owned();
        let force = boolean(&self.req.params, "Force")?.unwrap_or(false);
        let found = self.find(&id)?;
        self.authorize("DeleteInstance", &[self.arn(&found.region, &id)])?;
        if self.dry_run()? {
            return Err(dry_run_passed());
        }
        let now_ms = self.e.now_ms();
        self.e
            .mutate(&self.acct, |w| {
                let i = w
                    .account(&self.acct)
                    .and_then(|s| s.instances.get(&id))
                    .ok_or_else(not_found)?;
                if i.deletion_protection {
                    return Err(ApiError::new(
                        "InvalidOperation.DeletionProtection",
                        403,
                        "The instance has release protection on: turn DeletionProtection off first.",
                    ));
                }
                if i.status_at(now_ms) != InstanceStatus::Stopped && !force {
                    return Err(incorrect_status());
                }
                Ok((vec![Write::Delete(Record::Instance(i.clone()).key())], ()))
            })
            .await?;
        Ok(Response::new())
    }
}

/// `*` wildcard matching for InstanceName filters.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(mut remaining) = text.strip_prefix(head) else {
                return false;
            };
            let parts: Vec<&str> = rest.split('*').collect();
            for (n, part) in parts.iter().enumerate() {
                if n + 1 == parts.len() {
                    return remaining.ends_with(part);
                }
                match remaining.find(part) {
                    Some(pos) => remaining = remaining.get(pos + part.len()..).unwrap_or_default(),
                    None => return false,
                }
            }
            true
        }
    }
}

/// vCPUs and memory (MiB) of an instance type, read from its name as ECS names its types:
/// `ecs.<family>.<size>`, where the size gives the vCPUs (`small` 1, `medium` and `large` 2,
/// `xlarge` 4, `<N>xlarge` 4N) and the family the memory per vCPU: a `c<X>m<Y>` part says X
/// vCPUs to Y GiB (`ecs.t5-lc1m1.small`: 1 vCPU, 1 GiB), else the family's first letter, `c`
/// (compute) 2 GiB, `r` (memory) 8 GiB, and anything else 4 GiB as the general-purpose `g`
/// families (`ecs.g6.large`: 2 vCPUs, 8 GiB). A size that is not one of these counts 2 vCPUs.
fn shape(instance_type: &str) -> (u32, u32) {
    let mut parts = instance_type.split('.');
    let _ = parts.next();
    let family = parts.next().unwrap_or_default();
    let size = parts.next().unwrap_or_default();
    let cpus = match size {
        "small" => 1,
        "medium" | "large" => 2,
        "xlarge" => 4,
        _ => size
            .strip_suffix("xlarge")
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|n| (2..=64).contains(n))
            .map_or(2, |n| 4 * n),
    };
    // MiB per vCPU.
    let per_cpu = vcpu_to_gib(family).map(|(c, g)| g * 1024 / c).unwrap_or(
        match family.trim_start_matches("hf").chars().next() {
            Some('c') => 2048,
            Some('r') => 8192,
            _ => 4096,
        },
    );
    (cpus, cpus * per_cpu)
}

/// The `c<X>m<Y>` part of a family name (`t5-lc1m2`, `s6-c1m4`), as (X, Y).
fn vcpu_to_gib(family: &str) -> Option<(u32, u32)> {
    family.split('-').nth(1).and_then(|ratio| {
        let ratio = ratio.trim_start_matches('l');
        let (c, m) = ratio.strip_prefix('c')?.split_once('m')?;
        let (c, m) = (c.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
        (c > 0 && m > 0).then_some((c, m))
    })
}

/// OSName and OSType of an image, read from its id as public images are named
/// (`aliyun_3_x64_20G_alibase_20240528.vhd`, `ubuntu_22_04_x64_20G_alibase_20240508.vhd`,
/// `win2022_21H2_x64_dtc_en-us_40G_alibase_20240416.vhd`); other ids answer `Linux`.
fn operating_system(image_id: &str) -> (String, &'static str) {
    let lower = image_id.to_ascii_lowercase();
    // The version: the number groups after the name, up to the architecture.
    let version = |rest: &str| -> String {
        rest.split('_')
            .take_while(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .collect::<Vec<_>>()
            .join(".")
    };
    // `name`, followed by `detail` when there is one.
    let join = |name: &str, detail: &str| {
        if detail.is_empty() {
            name.to_owned()
        } else {
            format!("{name} {detail}")
        }
    };
    if let Some(rest) = lower.strip_prefix("aliyun") {
        let v = version(rest.trim_start_matches('_'));
        let major = v.split('.').next().unwrap_or_default();
        return (join("Alibaba Cloud Linux", major), "linux");
    }
    for (prefix, name) in [
        ("ubuntu", "Ubuntu"),
        ("centos", "CentOS"),
        ("debian", "Debian"),
        ("rockylinux", "Rocky Linux"),
        ("anolisos", "Anolis OS"),
    ] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            let v = version(rest.trim_start_matches('_'));
            let detail = if v.is_empty() {
                v
            } else {
                format!("{v} 64 bit")
            };
            return (join(name, &detail), "linux");
        }
    }
    if let Some(rest) = lower.strip_prefix("win") {
        let year: String = rest.chars().take_while(char::is_ascii_digit).collect();
        return (join("Windows Server", &year), "windows");
    }
    ("Linux".to_owned(), "linux")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_types_give_their_vcpus_and_memory() {
        let cases = [
            ("ecs.g6.large", (2, 8192)),
            ("ecs.g7.2xlarge", (8, 32768)),
            ("ecs.c7.xlarge", (4, 8192)),
            ("ecs.r7.large", (2, 16384)),
            ("ecs.hfc7.large", (2, 4096)),
            ("ecs.t5-lc1m1.small", (1, 1024)),
            ("ecs.t5-lc1m2.large", (2, 4096)),
            ("ecs.s6-c1m4.xlarge", (4, 16384)),
            ("ecs.t6-c2m1.large", (2, 1024)),
            ("ecs.n4.medium", (2, 8192)),
            ("ecs.g8i.16xlarge", (64, 262144)),
            ("whatever", (2, 8192)),
        ];
        for (t, want) in cases {
            assert_eq!(shape(t), want, "{t}");
        }
    }

    #[test]
    fn images_give_their_operating_system() {
        let cases = [
            (
                "aliyun_3_x64_20G_alibase_20240528.vhd",
                "Alibaba Cloud Linux 3",
                "linux",
            ),
            (
                "aliyun_2_1903_x64_20G_alibase_20240527.vhd",
                "Alibaba Cloud Linux 2",
                "linux",
            ),
            (
                "ubuntu_22_04_x64_20G_alibase_20240508.vhd",
                "Ubuntu 22.04 64 bit",
                "linux",
            ),
            (
                "centos_7_9_x64_20G_alibase_20240403.vhd",
                "CentOS 7.9 64 bit",
                "linux",
            ),
            ("ubuntu", "Ubuntu", "linux"),
            (
                "win2022_21H2_x64_dtc_en-us_40G_alibase_20240416.vhd",
                "Windows Server 2022",
                "windows",
            ),
            ("m-bp1custom", "Linux", "linux"),
        ];
        for (image, name, kind) in cases {
            assert_eq!(operating_system(image), (name.to_owned(), kind), "{image}");
        }
    }
}
