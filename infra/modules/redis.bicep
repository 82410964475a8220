// Azure Managed Redis with the Query Engine (RediSearch) for vector search.
//
// Search needs BOTH the RediSearch module and the Enterprise clustering policy. The API's default policy is
// OSSCluster, and a database's clustering policy and modules cannot be changed after it is created: a
// database made without them has to be deleted and made again. NoEviction is required by RediSearch, and it
// is what a cache of paid-for answers wants anyway: entries leave by TTL, not at random.
param location string
param tags object
param name string

@description('Memory Optimized, Balanced or Compute Optimized; Flash Optimized (A-series) has no search.')
param skuName string = 'Balanced_B1'

resource redis 'Microsoft.Cache/redisEnterprise@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    minimumTlsVersion: '1.2'
    highAvailability: 'Enabled'
  }
}

resource database 'Microsoft.Cache/redisEnterprise/databases@2025-04-01' = {
  parent: redis
  name: 'default'
  properties: {
    clientProtocol: 'Encrypted'
    port: 10000
    clusteringPolicy: 'EnterpriseCluster'
    evictionPolicy: 'NoEviction'
    accessKeysAuthentication: 'Enabled'
    modules: [
      {
        name: 'RediSearch'
      }
      {
        name: 'RedisJSON'
      }
    ]
  }
}

output name string = redis.name
output hostName string = redis.properties.hostName
output port int = database.properties.port
