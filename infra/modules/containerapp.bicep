// The Container Apps environment (logs to Log Analytics) and the nearhit app.
//
// Keys never leave this module as outputs: they are read here with listKeys() and handed to the app as
// Container Apps secrets, which the containers see as environment variables (secretRef).
param location string
param tags object
param environmentName string
param appName string
param identityId string
param identityClientId string
param registryServer string
param logAnalyticsName string
param appInsightsName string
param redisName string
param openaiName string
param chatDeployment string
param chatModelName string
param embeddingDeployment string
param minReplicas int
param maxReplicas int

@secure()
@minLength(16)
param adminToken string

@secure()
@minLength(32)
param gatewayKey string

param gatewayTenant string

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource redis 'Microsoft.Cache/redisEnterprise@2025-04-01' existing = {
  name: redisName
}

resource redisDatabase 'Microsoft.Cache/redisEnterprise/databases@2025-04-01' existing = {
  parent: redis
  name: 'default'
}

resource openai 'Microsoft.CognitiveServices/accounts@2024-10-01' existing = {
  name: openaiName
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
  }
}

var secrets = [
  {
    name: 'redis-url'
    value: 'rediss://:${redisDatabase.listKeys().primaryKey}@${redis.properties.hostName}:10000/0'
  }
  {
    name: 'azure-openai-api-key'
    value: openai.listKeys().key1
  }
  {
    name: 'appinsights-connection-string'
    value: appInsights.properties.ConnectionString
  }
  {
    name: 'admin-token'
    value: adminToken
  }
  {
    // NEARHIT_GATEWAY_KEYS' inline form: key=tenant (the key holds letters and digits only).
    name: 'gateway-keys'
    value: '${gatewayKey}=${gatewayTenant}'
  }
]

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': 'app' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: 8000
        transport: 'auto'
        allowInsecure: false
      }
      registries: [
        {
          server: registryServer
          identity: identityId
        }
      ]
      secrets: secrets
    }
    template: {
      containers: [
        {
          name: 'app'
          // azd replaces this placeholder with the image it builds from ../Dockerfile and pushes.
          image: 'mcr.microsoft.com/azuredocs/containerapps-helloworld:latest'
          resources: {
            cpu: json('1.0')
            memory: '2Gi'
          }
          env: [
            {
              name: 'PORT'
              value: '8000'
            }
            {
              name: 'NEARHIT_HEALTH_PORT'
              value: '8001'
            }
            {
              name: 'REDIS_URL'
              secretRef: 'redis-url'
            }
            {
              name: 'AZURE_OPENAI_ENDPOINT'
              value: openai.properties.endpoint
            }
            {
              name: 'AZURE_OPENAI_API_KEY'
              secretRef: 'azure-openai-api-key'
            }
            {
              name: 'AZURE_OPENAI_GPT5_MODEL'
              value: chatDeployment
            }
            {
              name: 'AZURE_OPENAI_EMBEDDING_MODEL'
              value: embeddingDeployment
            }
            {
              name: 'NEARHIT_MODEL'
              value: chatModelName
            }
            {
              name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
              secretRef: 'appinsights-connection-string'
            }
            {
              name: 'OTEL_SERVICE_NAME'
              value: 'nearhit'
            }
            {
              name: 'AZURE_CLIENT_ID'
              value: identityClientId
            }
            {
              name: 'NEARHIT_ADMIN_TOKEN'
              secretRef: 'admin-token'
            }
            {
              name: 'NEARHIT_GATEWAY_KEYS'
              secretRef: 'gateway-keys'
            }
          ]
          // Probes on the health port (NEARHIT_HEALTH_PORT), answered by a small process that never waits
          // behind request work on the event loop. /live fails only when that loop has been stuck for 15 s: a replica
          // whose Redis is down still answers (uncached, degraded), so it must not be restarted or taken out of
          // rotation for it. /health (503 then) is for dashboards and alerts.
          probes: [
            {
              type: 'Startup'
              httpGet: {
                path: '/live'
                port: 8001
                scheme: 'HTTP'
              }
              initialDelaySeconds: 3
              periodSeconds: 3
              timeoutSeconds: 3
              failureThreshold: 40
            }
            {
              type: 'Liveness'
              httpGet: {
                path: '/live'
                port: 8001
                scheme: 'HTTP'
              }
              periodSeconds: 15
              timeoutSeconds: 3
              failureThreshold: 4
            }
            {
              type: 'Readiness'
              httpGet: {
                path: '/live'
                port: 8001
                scheme: 'HTTP'
              }
              periodSeconds: 10
              timeoutSeconds: 3
              failureThreshold: 3
            }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'http'
            http: {
              metadata: {
                concurrentRequests: '50'
              }
            }
          }
        ]
      }
    }
  }
}

output name string = app.name
output uri string = 'https://${app.properties.configuration.ingress.fqdn}'
