#!/usr/bin/env bash
# Creates what the dualpush pipeline job needs in Azure: two StorageV2 accounts in two regions, a
# container in each, a user-assigned managed identity with "Storage Blob Data Contributor" on each
# CONTAINER (not the account), and the job's configuration file with the accounts filled in.
# Idempotent: every resource is looked up first and created only when missing, so a re-run is safe.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: deploy.sh [options]

Creates two storage accounts (one per region) with a container each, a user-assigned managed
identity with "Storage Blob Data Contributor" scoped to each container, and writes the dualpush
job configuration pointing at them. Needs the Azure CLI, signed in (az login) to the subscription
to deploy to. Every option can also be given as the environment variable in brackets.

  -g, --resource-group NAME   resource group, created when missing        [DUALPUSH_RESOURCE_GROUP]
                              (default: dualpush-rg)
      --region-a REGION       first region                                  [DUALPUSH_REGION_A]
                              (default: eastus)
      --region-b REGION       second region                                 [DUALPUSH_REGION_B]
                              (default: westus2)
  -p, --prefix PREFIX         storage account name prefix, 3-18 lowercase   [DUALPUSH_ACCOUNT_PREFIX]
                              letters and digits; accounts are PREFIX + a 4-character suffix
                              derived from the subscription and resource group, + "a" / "b"
                              (default: dualpush)
  -c, --container NAME        container created in both accounts            [DUALPUSH_CONTAINER]
                              (default: dualpush)
  -i, --identity NAME         user-assigned managed identity                [DUALPUSH_IDENTITY]
                              (default: dualpush-job)
  -o, --output FILE           job configuration to write                     [DUALPUSH_CONFIG_OUT]
                              (default: dualpush.generated.yaml)
  -h, --help                  this text

The identity's client id is printed at the end: set AZURE_CLIENT_ID to it on the machine or
container that runs the job (with the identity attached), so DefaultAzureCredential uses it.
USAGE
}

die() {
  echo "deploy.sh: $*" >&2
  exit 2
}

resource_group="${DUALPUSH_RESOURCE_GROUP:-dualpush-rg}"
region_a="${DUALPUSH_REGION_A:-eastus}"
region_b="${DUALPUSH_REGION_B:-westus2}"
prefix="${DUALPUSH_ACCOUNT_PREFIX:-dualpush}"
container="${DUALPUSH_CONTAINER:-dualpush}"
identity="${DUALPUSH_IDENTITY:-dualpush-job}"
output="${DUALPUSH_CONFIG_OUT:-dualpush.generated.yaml}"

while [[ $# -gt 0 ]]; do
  case "$1" in
    -g|--resource-group) resource_group="${2:?$1 needs a value}"; shift 2 ;;
    --region-a) region_a="${2:?$1 needs a value}"; shift 2 ;;
    --region-b) region_b="${2:?$1 needs a value}"; shift 2 ;;
    -p|--prefix) prefix="${2:?$1 needs a value}"; shift 2 ;;
    -c|--container) container="${2:?$1 needs a value}"; shift 2 ;;
    -i|--identity) identity="${2:?$1 needs a value}"; shift 2 ;;
    -o|--output) output="${2:?$1 needs a value}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

[[ "$prefix" =~ ^[a-z0-9]{3,18}$ ]] || die "--prefix must be 3-18 lowercase letters or digits, got '$prefix'"
[[ "$container" =~ ^[a-z0-9]([a-z0-9-]{1,61}[a-z0-9])?$ ]] || die "--container is not a valid container name: '$container'"
[[ "$region_a" != "$region_b" ]] || die "--region-a and --region-b must differ (both '$region_a')"
command -v az >/dev/null 2>&1 || die "the Azure CLI (az) is not installed: https://learn.microsoft.com/cli/azure/install-azure-cli"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
template="$here/dualpush.yaml"
[[ -f "$template" ]] || die "the configuration template is missing: $template"

subscription="$(az account show --query id --output tsv)" || die "not signed in: run 'az login' first"
# Storage account names are global: a stable suffix from the subscription and group keeps re-runs on the same names.
suffix="$(printf '%s/%s' "$subscription" "$resource_group" | sha256sum | cut -c1-4)"
account_a="${prefix}${suffix}a"
account_b="${prefix}${suffix}b"

echo "subscription $subscription, resource group $resource_group"
echo "accounts: $account_a ($region_a), $account_b ($region_b); container: $container; identity: $identity"

if ! az group show --name "$resource_group" --output none 2>/dev/null; then
  echo "creating resource group $resource_group in $region_a"
  az group create --name "$resource_group" --location "$region_a" --output none
fi

if ! az identity show --resource-group "$resource_group" --name "$identity" --output none 2>/dev/null; then
  echo "creating managed identity $identity"
  az identity create --resource-group "$resource_group" --name "$identity" --location "$region_a" --output none
fi
principal_id="$(az identity show --resource-group "$resource_group" --name "$identity" --query principalId --output tsv)"
client_id="$(az identity show --resource-group "$resource_group" --name "$identity" --query clientId --output tsv)"

# One account and container per region; returns nothing, fails loudly.
ensure_storage() {
  local account="$1" region="$2"
  if ! az storage account show --resource-group "$resource_group" --name "$account" --output none 2>/dev/null; then
    echo "creating storage account $account in $region"
    az storage account create --resource-group "$resource_group" --name "$account" --location "$region" \
      --kind StorageV2 --sku Standard_LRS --https-only true --min-tls-version TLS1_2 \
      --allow-blob-public-access false --allow-shared-key-access false --output none
  else
    # Re-applied on every run: an account changed by hand is brought back to the hardened settings.
    az storage account update --resource-group "$resource_group" --name "$account" --https-only true \
      --min-tls-version TLS1_2 --allow-blob-public-access false --allow-shared-key-access false --output none
  fi
  local account_id
  account_id="$(az storage account show --resource-group "$resource_group" --name "$account" --query id --output tsv)"
  # Shared keys are off: the container is managed through the control plane (ARM), not with a key.
  if ! az storage container-rm show --storage-account "$account_id" --name "$container" --output none 2>/dev/null; then
    echo "creating container $account/$container"
    az storage container-rm create --storage-account "$account_id" --name "$container" --public-access off --output none
  fi
  local scope="$account_id/blobServices/default/containers/$container"
  local existing
  existing="$(az role assignment list --assignee "$principal_id" --scope "$scope" \
    --role "Storage Blob Data Contributor" --query "length(@)" --output tsv)"
  if [[ "$existing" == "0" ]]; then
    echo "granting Storage Blob Data Contributor on $account/$container to $identity"
    # --assignee-object-id with its type: no Graph lookup, which a just-created identity may not be in yet.
    az role assignment create --assignee-object-id "$principal_id" --assignee-principal-type ServicePrincipal \
      --role "Storage Blob Data Contributor" --scope "$scope" --output none
  fi
}

ensure_storage "$account_a" "$region_a"
ensure_storage "$account_b" "$region_b"

endpoint_a="$(az storage account show --resource-group "$resource_group" --name "$account_a" \
  --query primaryEndpoints.blob --output tsv)"
endpoint_b="$(az storage account show --resource-group "$resource_group" --name "$account_b" \
  --query primaryEndpoints.blob --output tsv)"

# The template's defaults point at placeholders; fill in the accounts, container and regions.
sed -e "s#https://ACCOUNT_A.blob.core.windows.net/#${endpoint_a%/}/#g" \
    -e "s#https://ACCOUNT_B.blob.core.windows.net/#${endpoint_b%/}/#g" \
    -e "s#/CONTAINER}#/${container}}#g" \
    -e "s#REGION_A#${region_a}#g" \
    -e "s#REGION_B#${region_b}#g" \
    "$template" > "$output"

cat <<DONE
wrote $output
  east/west destinations: ${endpoint_a%/}/$container ($region_a), ${endpoint_b%/}/$container ($region_b)
  managed identity $identity: client id $client_id
On the machine or container that runs the job (with $identity attached):
  export AZURE_CLIENT_ID=$client_id
  export DUALPUSH_REDIS_URI=rediss://YOUR-REDIS:6380   # and REDIS_PASSWORD if it needs one
  java -jar dualpush-samples.jar run SOURCE_DIR --config $output
DONE
