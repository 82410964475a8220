// nearhit on Azure, for `azd up`: Container Apps (the service), Azure Managed Redis (the cache, with the
// Query Engine), Azure OpenAI (a chat and an embedding deployment), Log Analytics + Application Insights,
// a container registry, and one user-assigned managed identity.
//
// Not deployed by this repository's CI (it has no Azure subscription): CI parses these files and checks the
// settings below are present (tests/deploy/test_bicep.py). See docs/deploy.md.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment: names and tags every resource.')
param environmentName string

@minLength(1)
@description('Region for every resource: it must offer Azure Managed Redis, Container Apps and the models below.')
param location string

@description('Azure Managed Redis SKU. Memory Optimized, Balanced or Compute Optimized: Flash Optimized has no vector search.')
@allowed([
  'Balanced_B0'
  'Balanced_B1'
  'Balanced_B3'
  'Balanced_B5'
  'Balanced_B10'
  'Balanced_B20'
  'Balanced_B50'
  'MemoryOptimized_M10'
  'MemoryOptimized_M20'
  'MemoryOptimized_M50'
  'ComputeOptimized_X3'
  'ComputeOptimized_X5'
  'ComputeOptimized_X10'
])
param redisSku string = 'Balanced_B1'

@description('The chat model behind the chat deployment.')
param chatModelName string = 'gpt-4o-mini'

@description('The chat model version.')
param chatModelVersion string = '2024-07-18'

@description('Chat deployment capacity, in thousands of tokens per minute.')
param chatCapacity int = 30

@description('The embedding model behind the embedding deployment.')
param embeddingModelName string = 'text-embedding-3-small'

@description('The embedding model version.')
param embeddingModelVersion string = '1'

@description('Embedding deployment capacity, in thousands of tokens per minute.')
param embeddingCapacity int = 30

@minValue(1)
@description('Fewest replicas of the app (1 keeps the first request warm).')
param minReplicas int = 1

@minValue(1)
@description('Most replicas of the app: they all share the one Redis.')
param maxReplicas int = 5

// Secrets azd generates on the first `azd up` and keeps in .azure/<env>/config.json (infra.parameters), so later
// deployments reuse them: the service is never deployed open. Read them back: docs/deploy.md, "Credentials".
@secure()
@minLength(16)
@metadata({
  azd: {
    type: 'generate'
    config: { length: 40, noSpecial: true }
  }
})
@description('Bearer token for the admin endpoints (store, clear, vector add, telemetry clear) and for acting as any tenant.')
param adminToken string

@secure()
@minLength(32)
@metadata({
  azd: {
    type: 'generate'
    config: { length: 40, noSpecial: true }
  }
})
@description('The gateway key of gatewayTenant (Authorization: Bearer <key> on /v1, /ask, searches). Letters and digits only.')
param gatewayKey string

@minLength(1)
@description('The tenant that gatewayKey acts for: its cached answers are its own.')
param gatewayTenant string = 'default'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: 'log-${resourceToken}'
    appInsightsName: 'appi-${resourceToken}'
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'id-${resourceToken}'
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'cr${resourceToken}'
    pullPrincipalId: identity.outputs.principalId
  }
}

module redis 'modules/redis.bicep' = {
  name: 'redis'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'redis-${resourceToken}'
    skuName: redisSku
  }
}

module openai 'modules/openai.bicep' = {
  name: 'openai'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'oai-${resourceToken}'
    chatModelName: chatModelName
    chatModelVersion: chatModelVersion
    chatCapacity: chatCapacity
    embeddingModelName: embeddingModelName
    embeddingModelVersion: embeddingModelVersion
    embeddingCapacity: embeddingCapacity
    userPrincipalId: identity.outputs.principalId
  }
}

module app 'modules/containerapp.bicep' = {
  name: 'app'
  scope: rg
  params: {
    location: location
    tags: tags
    environmentName: 'cae-${resourceToken}'
    appName: 'ca-nearhit-${resourceToken}'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    registryServer: registry.outputs.loginServer
    logAnalyticsName: monitoring.outputs.logAnalyticsName
    appInsightsName: monitoring.outputs.appInsightsName
    redisName: redis.outputs.name
    openaiName: openai.outputs.name
    chatDeployment: openai.outputs.chatDeployment
    chatModelName: chatModelName
    embeddingDeployment: openai.outputs.embeddingDeployment
    minReplicas: minReplicas
    maxReplicas: maxReplicas
    adminToken: adminToken
    gatewayKey: gatewayKey
    gatewayTenant: gatewayTenant
  }
}

// azd reads these outputs into the environment (.azure/<env>/.env).
output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_OPENAI_ENDPOINT string = openai.outputs.endpoint
output AZURE_OPENAI_GPT5_MODEL string = openai.outputs.chatDeployment
output AZURE_OPENAI_EMBEDDING_MODEL string = openai.outputs.embeddingDeployment
output REDIS_HOST string = redis.outputs.hostName
output SERVICE_APP_NAME string = app.outputs.name
output SERVICE_APP_URI string = app.outputs.uri
