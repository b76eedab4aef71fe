// Dataset thread entry: builds each dataset (CSV or JSON) and posts it back, or the error with its problem fields.
import { serveRequests } from '../../threads/thread-server.js'
import { handleDatasetRequest } from './handle.js'
serveRequests(handleDatasetRequest)
