//! ECS requests and responses (spec §8): the instance life cycle the emulator serves.

use serde::{Deserialize, Serialize};

use super::{Ecs, EmptyResponse, actions};
use crate::endpoint::Product;
use crate::params::wrapped;
use crate::secret::{Secret, expose_opt_secret};

/// `RunInstances` parameters (instances start automatically). Only `RegionId` is always
/// required; `ImageId` and `InstanceType` are unless a launch template is used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RunInstancesRequest {
    /// The region, e.g. `cn-hangzhou`.
    pub region_id: String,
    /// The image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    /// The instance type, e.g. `ecs.g6.large`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    /// The zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone_id: Option<String>,
    /// The security group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_group_id: Option<String>,
    /// The vSwitch (VPC instances).
    #[serde(rename = "VSwitchId", skip_serializing_if = "Option::is_none")]
    pub v_switch_id: Option<String>,
    /// The instance name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_name: Option<String>,
    /// The description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The host name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_name: Option<String>,
    /// The instance's root password.
    #[serde(
        serialize_with = "expose_opt_secret",
        skip_serializing_if = "Option::is_none"
    )]
    pub password: Option<Secret>,
    /// `PostPaid` or `PrePaid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_charge_type: Option<String>,
    /// The instance RAM role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ram_role_name: Option<String>,
    /// How many instances (1-100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<u32>,
    /// Makes the call idempotent (and retryable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_token: Option<String>,
    /// Only check the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

/// `RunInstances` answer.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RunInstancesResponse {
    /// The request id.
    pub request_id: String,
    /// The new instances.
    #[serde(deserialize_with = "wrapped")]
    pub instance_id_sets: Vec<String>,
    /// The order (prepaid instances).
    pub order_id: Option<String>,
    /// The price (a number, or a string in some answers).
    pub trade_price: Option<serde_json::Value>,
}

/// `CreateInstance` parameters (the instance stays `Stopped` until started).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateInstanceRequest {
    /// The region.
    pub region_id: String,
    /// The instance type.
    pub instance_type: String,
    /// The image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    /// The zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone_id: Option<String>,
    /// The security group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_group_id: Option<String>,
    /// The vSwitch (VPC instances).
    #[serde(rename = "VSwitchId", skip_serializing_if = "Option::is_none")]
    pub v_switch_id: Option<String>,
    /// The instance name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_name: Option<String>,
    /// The description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The host name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_name: Option<String>,
    /// The instance's root password.
    #[serde(
        serialize_with = "expose_opt_secret",
        skip_serializing_if = "Option::is_none"
    )]
    pub password: Option<Secret>,
    /// `PostPaid` or `PrePaid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_charge_type: Option<String>,
    /// The instance RAM role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ram_role_name: Option<String>,
    /// Makes the call idempotent (and retryable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_token: Option<String>,
    /// Only check the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

/// `CreateInstance` answer.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateInstanceResponse {
    /// The request id.
    pub request_id: String,
    /// The new instance.
    pub instance_id: String,
    /// The order (prepaid instances).
    pub order_id: Option<String>,
    /// The price (a number, or a string in some answers).
    pub trade_price: Option<serde_json::Value>,
}

/// `DescribeInstances` parameters (filters are AND-combined).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInstancesRequest {
    /// The region.
    pub region_id: String,
    /// Only these instances (sent as a JSON array; an empty list matches nothing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_ids: Option<Vec<String>>,
    /// Name filter (`*` wildcards).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_name: Option<String>,
    /// `Pending`, `Running`, `Starting`, `Stopping` or `Stopped`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Zone filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone_id: Option<String>,
    /// Instance type filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    /// Image filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    /// Page number (from 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_number: Option<u32>,
    /// Page size (max 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    /// Token paging: the previous answer's `NextToken`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// Token paging: page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<u32>,
    /// Only check permissions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

/// VPC placement of an instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VpcAttributes {
    /// The VPC.
    pub vpc_id: String,
    /// The vSwitch.
    #[serde(rename = "VSwitchId")]
    pub v_switch_id: String,
    /// Private addresses.
    #[serde(deserialize_with = "wrapped")]
    pub private_ip_address: Vec<String>,
    /// The NAT address.
    pub nat_ip_address: String,
}

/// A tag of an instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct InstanceTag {
    /// The key.
    pub tag_key: String,
    /// The value.
    pub tag_value: String,
}

/// An instance as `DescribeInstances` shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Instance {
    /// `i-…`.
    pub instance_id: String,
    /// The name.
    pub instance_name: String,
    /// The description.
    pub description: String,
    /// The region.
    pub region_id: String,
    /// The zone.
    pub zone_id: String,
    /// `Pending`, `Starting`, `Running`, `Stopping` or `Stopped`.
    pub status: String,
    /// The instance type.
    pub instance_type: String,
    /// vCPUs.
    pub cpu: Option<u64>,
    /// Memory in MiB.
    pub memory: Option<u64>,
    /// The image.
    pub image_id: String,
    /// The OS name.
    #[serde(rename = "OSName")]
    pub os_name: Option<String>,
    /// `linux` or `windows`.
    #[serde(rename = "OSType")]
    pub os_type: Option<String>,
    /// The host name.
    pub host_name: Option<String>,
    /// `vpc` or `classic`.
    pub instance_network_type: Option<String>,
    /// `PostPaid` or `PrePaid`.
    pub instance_charge_type: Option<String>,
    /// Creation time (`yyyy-MM-ddTHH:mmZ`).
    pub creation_time: String,
    /// Last start time.
    pub start_time: Option<String>,
    /// Expiry time.
    pub expired_time: Option<String>,
    /// Release protection.
    pub deletion_protection: Option<bool>,
    /// The instance RAM role, when one is attached.
    pub ram_role_name: Option<String>,
    /// Security groups.
    #[serde(deserialize_with = "wrapped")]
    pub security_group_ids: Vec<String>,
    /// VPC placement.
    pub vpc_attributes: Option<VpcAttributes>,
    /// Public addresses.
    #[serde(deserialize_with = "wrapped")]
    pub public_ip_address: Vec<String>,
    /// Classic-network private addresses.
    #[serde(deserialize_with = "wrapped")]
    pub inner_ip_address: Vec<String>,
    /// Tags.
    #[serde(deserialize_with = "wrapped")]
    pub tags: Vec<InstanceTag>,
}

/// `DescribeInstances` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeInstancesResponse {
    /// The request id.
    pub request_id: String,
    /// Matching instances across all pages.
    pub total_count: u64,
    /// This page's number.
    pub page_number: u32,
    /// This page's size.
    pub page_size: u32,
    /// Token of the next page (token paging).
    pub next_token: Option<String>,
    /// The instances of this page.
    #[serde(deserialize_with = "wrapped")]
    pub instances: Vec<Instance>,
}

/// `StartInstance` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StartInstanceRequest {
    /// The instance.
    pub instance_id: String,
    /// Only check the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

/// `StopInstance` / `RebootInstance` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StopInstanceRequest {
    /// The instance.
    pub instance_id: String,
    /// Power off instead of shutting down.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub force_stop: Option<bool>,
    /// Only check the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

/// `DeleteInstance` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteInstanceRequest {
    /// The instance.
    pub instance_id: String,
    /// Release even when not `Stopped`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub force: Option<bool>,
}

actions! { Ecs, Product::Ecs;
    /// Creates and starts instances.
    run_instances => "RunInstances" (RunInstancesRequest) -> RunInstancesResponse;
    /// Creates one instance, left stopped.
    create_instance => "CreateInstance" (CreateInstanceRequest) -> CreateInstanceResponse;
    /// Lists instances of a region.
    describe_instances => "DescribeInstances" (DescribeInstancesRequest) -> DescribeInstancesResponse;
    /// Starts a stopped instance.
    start_instance => "StartInstance" (StartInstanceRequest) -> EmptyResponse;
    /// Stops a running instance.
    stop_instance => "StopInstance" (StopInstanceRequest) -> EmptyResponse;
    /// Reboots a running instance.
    reboot_instance => "RebootInstance" (StopInstanceRequest) -> EmptyResponse;
    /// Releases an instance.
    delete_instance => "DeleteInstance" (DeleteInstanceRequest) -> EmptyResponse;
}
