import { machineCeiling } from '../bench/ceiling.js'
for (let i = 0; i < 2; i++) console.log(await machineCeiling('blas'))
