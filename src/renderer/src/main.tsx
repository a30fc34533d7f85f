import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { ensureApi } from './api/ensure-api'
import { App } from './App'
import './styles.css'

ensureApi()
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
