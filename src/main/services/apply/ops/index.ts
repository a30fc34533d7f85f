/** Every Kubernetes API operation the engine knows: importing this module defines them (api-ops.ts). */
import './cluster-ready'
import './cni'
import './nodes'
